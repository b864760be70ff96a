import { ConfigError, type ServerConfig } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { createLogger, type Logger } from '../telemetry/logger.js';

/**
 * bootConfig loads the config for a service process and its root logger; a bad value prints the message
 * (naming the key and the file) and exits with status 1.
 */
export function bootConfig(service: string): { config: ServerConfig; logger: Logger } {
  try {
    const config = loadConfig();
    return { config, logger: createLogger({ level: config.debug ? 'debug' : config.log_level, service }) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`sockudo-ts ${service}: configuration error: ${err.message}\n`);
    process.exit(1);
  }
}

/**
 * startOrExit runs a service's start; a failure (a port taken, a dependency down at start) is logged, printed
 * as one line on stderr, and exits 1.
 */
export async function startOrExit<T>(logger: Logger, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    logger.fatal({ reason }, 'cannot start');
    process.stderr.write(`sockudo-ts: cannot start: ${reason}\n`);
    process.exit(1);
  }
}

/** stopOnSignals stops the service on the first SIGTERM or SIGINT, then exits (0, or 1 when stopping failed). */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>, message = 'shutting down'): void {
  let stopping = false;
  const shutdown = (signal: string): void => {
    // why: Ctrl-C in a terminal signals the whole process group, so a child may get SIGINT and SIGTERM.
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, message);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
