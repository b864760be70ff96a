import { activeTracing, badRequest } from '@sockudo-ts/shared';
import { limitBackendEvents } from '../middleware/limits.js';
import { parseEvent, Publisher } from '../publish.js';
import type { RouteModule } from './route.js';

/**
 * eventsRoutes mounts `POST /events` (one event to up to 100 channels) and `POST /batch_events` (up to
 * `max_event_batch_size` events, one channel each); both answer `{}`, or the requested channel info.
 */
export const eventsRoutes: RouteModule = (router, deps) => {
  const publisher = new Publisher(deps.publisher, deps.presence);

  router.post('/events', 'events', async ({ app, body, traceparent }) => {
    const event = parseEvent(app, body);
    if (deps.limits !== undefined) await limitBackendEvents(deps.limits, app, event.channels.length);
    activeTracing()?.annotateRequest({ channels: event.channels.length });
    await publisher.publish(app, event, traceparent);
    if (event.info.size === 0) return undefined;
    return { channels: await publisher.channelInfo(app, event) };
  });

  router.post('/batch_events', 'batch_events', async ({ app, body, traceparent }) => {
    const batch = (body as { batch?: unknown } | undefined)?.batch;
    if (!Array.isArray(batch)) throw badRequest('batch is required and must be a list of events');
    if (batch.length > app.max_event_batch_size) throw badRequest(`batch has more than ${app.max_event_batch_size} events`);
    const events = batch.map((raw, i) => {
      const event = parseEvent(app, raw, `batch[${i}].`);
      if (event.channels.length !== 1) throw badRequest(`batch[${i}].channel: each batch event names exactly one channel`);
      return event;
    });
    if (deps.limits !== undefined) await limitBackendEvents(deps.limits, app, events.length);
    activeTracing()?.annotateRequest({ channels: events.length });
    await Promise.all(events.map((e) => publisher.publish(app, e, traceparent)));
    if (events.every((e) => e.info.size === 0)) return {};
    const info = await Promise.all(events.map(async (e) => (e.info.size === 0 ? {} : (await publisher.channelInfo(app, e))[e.channels[0]!]!)));
    return { batch: info };
  });
};
