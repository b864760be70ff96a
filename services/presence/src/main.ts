import { bootConfig, startOrExit, stopOnSignals } from '@sockudo-ts/shared';
import { startPresence } from './service.js';

const { config, logger } = bootConfig('presence');
const presence = await startOrExit(logger, () => startPresence(config, logger));
logger.info(
  { grpc_port: presence.grpcPort, metrics_port: presence.metricsPort, node: config.instance.process_id },
  `presence service listening on gRPC ${config.presence.grpc_host}:${presence.grpcPort}`,
);
stopOnSignals(logger, presence.stop);
