import { createListener, listenerSettings, healthRoutes, openClusterPorts, openRateLimits, sendJson, type Composition, type ProcessContext } from '@sockudo-ts/shared';
import { HttpApi } from './api.js';

/**
 * composeApi composes the distributed HTTP API: `/apps/*` on `port`, publishing over NATS, counts and members
 * from the presence service over gRPC, cache channels and webhook dead letters in Redis. Health on the same
 * port: `GET /`, `/up`, `/up/{app_id}`, and `/ready` (503 while NATS or Redis is unreachable).
 */
export async function composeApi(ctx: ProcessContext): Promise<Composition> {
  const { config, logger, metrics, drivers } = ctx;
  const { apps, bus, cache, presence, publisher, webhookDeadLetters } = await openClusterPorts(ctx);
  const limits = await drivers.open(openRateLimits(config, logger, (limit) => metrics.limited.inc({ limit })));
  const api = new HttpApi({ config, apps, bus, presence, cache, metrics, logger, webhookDeadLetters, publisher, limits });
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
