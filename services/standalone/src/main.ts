import { bootConfig, startOrExit, stopOnSignals } from '@sockudo-ts/shared';
import { startStandalone } from './server.js';

// The embedded server of `npm start`: gateway, HTTP API and webhooks in one process, no external services.
const { config, logger } = bootConfig('standalone');
const server = await startOrExit(logger, () => startStandalone(config, logger));
logger.info(
  { host: config.host, port: server.port, metrics_port: server.metricsPort, apps: config.app_manager.array.apps.map((a) => a.id) },
  `sockudo-ts listening on ${config.host}:${server.port}`,
);
stopOnSignals(logger, server.stop, 'shutting down: closing sockets with 4200');
