import { bootConfig, startOrExit, stopOnSignals } from '@sockudo-ts/shared';
import { startApi } from './service.js';

const { config, logger } = bootConfig('api');
const api = await startOrExit(logger, () => startApi(config, logger));
logger.info({ port: api.port, metrics_port: api.metricsPort }, `api listening on ${config.host}:${api.port}`);
stopOnSignals(logger, api.stop);
