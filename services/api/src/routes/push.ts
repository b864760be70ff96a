import {
  asDeviceId,
  asPublishId,
  asUserId,
  badRequest,
  interestProblem,
  notFound,
  userIdProblem,
  type Device,
  type DeviceFilter,
  type PageOptions,
} from '@sockudo-ts/shared';
import type { Query } from '../middleware/query.js';
import { asObject, notServed, type PushApi } from '../push/push-api.js';
import { Reply, type RouteModule } from './route.js';

/**
 * pushRoutes mounts Sockudo's push API below `/apps/{app_id}/push`, signed like every route (the `pusher`
 * SDK's generic `get` / `post` reach them; each DELETE also has a `POST .../delete` twin for it):
 * - `deviceRegistrations`: register (POST, 201 with the device), list (GET, `limit`, `cursor`, `user_id`,
 *   `platform`; `next_cursor` while there is more), get and delete one (`/{device_id}`);
 * - `channelSubscriptions`: subscribe a device to an interest (POST `{device_id, interest}`), unsubscribe
 *   (DELETE with the same query, or POST `/delete`), list a device's interests (`?device_id=`) or an
 *   interest's devices (`?interest=`, paged);
 * - `publish`: 202 with `publish_id` once queued; `publish/{publish_id}/status`;
 * - `deadLetters` and `deadLetters/{id}/replay`.
 */
export const pushRoutes: RouteModule = (router, { push }) => {
  const api = (): PushApi => push ?? (() => { throw notServed(); })();

  router.post('/push/deviceRegistrations', 'push_device_register', async ({ app, body }) => {
    const p = api();
    return new Reply(201, await p.stores.devices.register(app.id, p.registration(body)));
  });

  router.get('/push/deviceRegistrations', 'push_device_list', async ({ app, query }) => {
    const filter: DeviceFilter = pageOf(query);
    const user = query.get('user_id');
    if (user !== undefined) filter.user_id = asUserId(checked(userIdProblem(user), user));
    const platform = query.get('platform');
    if (platform !== undefined) {
      if (platform !== 'apns' && platform !== 'fcm' && platform !== 'web') throw badRequest('platform must be one of apns, fcm, web');
      filter.platform = platform;
    }
    const page = await api().stores.devices.list(app.id, filter);
    return { items: page.items, ...(page.next_cursor !== undefined ? { next_cursor: page.next_cursor } : {}) };
  });

  router.get('/push/deviceRegistrations/:deviceId', 'push_device_get', async ({ app, params }) => {
    const device = await api().stores.devices.get(app.id, asDeviceId(params.deviceId!));
    if (device === undefined) throw noDevice(params.deviceId!);
    return device;
  });

  const remove = async (app: { id: Parameters<PushApi['stores']['devices']['delete']>[0] }, id: string): Promise<unknown> => {
    if (!(await api().stores.devices.delete(app.id, asDeviceId(id)))) throw noDevice(id);
    return {};
  };
  router.delete('/push/deviceRegistrations/:deviceId', 'push_device_delete', ({ app, params }) => remove(app, params.deviceId!));
  router.post('/push/deviceRegistrations/:deviceId/delete', 'push_device_delete', ({ app, params }) => remove(app, params.deviceId!));

  router.post('/push/channelSubscriptions', 'push_subscribe', async ({ app, body }) => {
    const { deviceId, interest } = subscriptionOf(asObject(body, 'a channel subscription'));
    const device = await api().stores.devices.addInterest(app.id, asDeviceId(deviceId), interest);
    if (device === undefined) throw noDevice(deviceId);
    return new Reply(201, { device_id: device.id, interests: device.interests });
  });

  const unsubscribe = async (appId: Device['app_id'], fields: Record<string, unknown>): Promise<unknown> => {
    const { deviceId, interest } = subscriptionOf(fields);
    const device = await api().stores.devices.removeInterest(appId, asDeviceId(deviceId), interest);
    if (device === undefined) throw noDevice(deviceId);
    return { device_id: device.id, interests: device.interests };
  };
  router.delete('/push/channelSubscriptions', 'push_unsubscribe', ({ app, query }) => unsubscribe(app.id, { device_id: query.get('device_id'), interest: query.get('interest') ?? query.get('channel') }));
  router.post('/push/channelSubscriptions/delete', 'push_unsubscribe', ({ app, body }) => unsubscribe(app.id, asObject(body, 'a channel subscription')));

  router.get('/push/channelSubscriptions', 'push_subscriptions', async ({ app, query }) => {
    const deviceId = query.get('device_id');
    const interest = query.get('interest') ?? query.get('channel');
    if ((deviceId === undefined) === (interest === undefined)) throw badRequest('give either device_id (its interests) or interest (its devices)');
    if (deviceId !== undefined) {
      const device = await api().stores.devices.get(app.id, asDeviceId(deviceId));
      if (device === undefined) throw noDevice(deviceId);
      return { device_id: device.id, interests: device.interests };
    }
    const page = await api().stores.devices.devicesByInterest(app.id, checked(interestProblem(interest), interest!), pageOf(query));
    return { interest, device_ids: page.items.map((d) => d.id), ...(page.next_cursor !== undefined ? { next_cursor: page.next_cursor } : {}) };
  });

  router.post('/push/publish', 'push_publish', async ({ app, body }) => new Reply(202, { publish_id: await api().publish(app.id, body) }));

  router.get('/push/publish/:publishId/status', 'push_publish_status', async ({ app, params }) => {
    const status = await api().stores.statuses.get(app.id, asPublishId(params.publishId!));
    if (status === undefined) throw notFound(`No publish ${params.publishId!.slice(0, 64)} for this app (statuses are kept push.publish_status_ttl_seconds)`);
    return status;
  });

  router.get('/push/deadLetters', 'push_dead_letters', async ({ app }) => ({ dead_letters: await api().deadLetters.list(app.id) }));

  router.post('/push/deadLetters/:id/replay', 'push_dead_letter_replay', async ({ app, params }) => {
    if (!(await api().deadLetters.replay(app.id, params.id!))) throw notFound(`No dead letter ${params.id!.slice(0, 64)} for this app`);
    return {};
  });
};

function pageOf(query: Query): PageOptions {
  const page: PageOptions = {};
  const limit = query.get('limit');
  if (limit !== undefined) {
    if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1) throw badRequest('limit must be a whole number from 1');
    page.limit = Number(limit);
  }
  const cursor = query.get('cursor');
  if (cursor !== undefined) page.cursor = cursor;
  return page;
}

function subscriptionOf(fields: Record<string, unknown>): { deviceId: string; interest: string } {
  const deviceId = fields.device_id;
  if (typeof deviceId !== 'string' || deviceId === '') throw badRequest('device_id is required');
  const interest = fields.interest ?? fields.channel;
  return { deviceId, interest: checked(interestProblem(interest), interest as string) };
}

function checked<T>(problem: string | undefined, value: T): T {
  if (problem !== undefined) throw badRequest(problem);
  return value;
}

function noDevice(id: string) {
  return notFound(`No device ${id.slice(0, 64)} for this app`);
}
