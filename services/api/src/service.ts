import { createListener, healthRoutes, listenerSettings, openClusterPorts, openHistoryReader, openPushStores, openRateLimits, sendJson, type Composition, type ProcessContext } from '@sockudo-ts/shared';
import { HttpApi } from './api.js';
import { PushApi } from './push/push-api.js';

/**
 * composeApi composes the distributed HTTP API: `/apps/*` on `port`, publishing over NATS, counts and members
 * from the presence service over gRPC, cache channels and webhook dead letters in Redis, and (with
 * `push.storage_driver = "postgres"`) the push APIs over the push queue, Redis statuses and PostgreSQL devices. Health on the same
 * port: `GET /`, `/up`, `/up/{app_id}`, and `/ready` (503 while NATS or Redis is unreachable).
 */
export async function composeApi(ctx: ProcessContext): Promise<Composition> {
  const { config, logger, metrics, drivers } = ctx;
  const { apps, bus, cache, presence, publisher, webhookDeadLetters, recovery } = await openClusterPorts(ctx);
  const limits = await drivers.open(openRateLimits(config, logger, (limit) => metrics.limited.inc({ limit })));
  // why: devices must be where the push workers read them; an api process's memory is not.
  const pushServed = config.push.enabled && config.push.storage_driver === 'postgres';
  if (config.push.enabled && !pushServed) logger.warn('push APIs answer 404: the distributed api needs push.storage_driver = "postgres"');
  const push = pushServed ? new PushApi(await openPushStores(config, drivers, 'redis'), config.push) : undefined;
  // why: pages come from the history service over gRPC (history.grpc_url), or from the table it writes, so every api replica answers alike.
  const history = config.history.enabled ? (recovery?.history ?? (await drivers.open(openHistoryReader(config)))) : undefined;
  const api = new HttpApi({ config, apps, bus, presence, cache, metrics, logger, webhookDeadLetters, publisher, limits, ...(push !== undefined ? { push } : {}), ...(history !== undefined ? { history } : {}) });
  const health = healthRoutes({ apps, probes: () => drivers.probes() });
  const http = createListener(
    'api',
    listenerSettings(config),
    {
      serverOptions: api.serverOptions,
      request: (req, res) => {
        if (health(req, res) || api.handle(req, res)) return;
        sendJson(res, 404, { error: 'Not found: this is the api service (HTTP API at /apps/{app_id}); WebSockets are served by the gateways' });
      },
    },
    logger,
    config,
  );
  return { apps, services: [http], announce: () => ({ msg: `api listening on ${http.address}`, fields: { port: http.port } }) };
}
