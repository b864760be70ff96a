import { ConfigError, createLogger, loadConfig } from '@sockudo-ts/shared';
import { ListenError, startStandalone } from './server.js';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`sockudo-ts: configuration error: ${err.message}\n`);
  process.exit(1);
}
const logger = createLogger({ level: config.debug ? 'debug' : config.log_level, service: 'standalone' });
let server;
try {
  server = await startStandalone(config, logger);
} catch (err) {
  if (!(err instanceof ListenError)) throw err;
  process.stderr.write(`sockudo-ts: ${err.message}\n`);
  process.exit(1);
}
logger.info(
  { host: config.host, port: server.port, metrics_port: server.metricsPort, apps: config.app_manager.array.apps.map((a) => a.id) },
  `sockudo-ts listening on ${config.host}:${server.port}`,
);

const shutdown = (signal: string): void => {
  logger.info({ signal }, 'shutting down: closing sockets with 4200');
  server.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
