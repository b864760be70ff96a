import { bootConfig, startOrExit, stopOnSignals } from '@sockudo-ts/shared';
import { startGateway } from './service.js';

const { config, logger } = bootConfig('gateway');
const gateway = await startOrExit(logger, () => startGateway(config, logger));
logger.info(
  { port: gateway.port, metrics_port: gateway.metricsPort, node: config.instance.process_id },
  `gateway listening on ${config.host}:${gateway.port}`,
);
stopOnSignals(logger, gateway.stop);
