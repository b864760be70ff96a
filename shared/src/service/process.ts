import type { AppStore } from '../apps/app-store.js';
import { ConfigError, type ServerConfig } from '../config/config.js';
import { configWarnings, loadConfig } from '../config/load.js';
import { DriverSet } from '../drivers/opened.js';
import { operatorMessage } from '../errors/dependency-unavailable.js';
import { healthRoutes } from '../http/health.js';
import { sendJson } from '../http/http.js';
import { HttpListener } from '../http/listener.js';
import type { NodeId } from '../ids.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { Metrics } from '../telemetry/metrics.js';
import { safeEqual } from '../protocol/signing.js';
import { activeTracing, startTracing, stopTracing, tracingEnabled, type TracingStart } from '../telemetry/tracing.js';
import type { Service } from './service.js';

/** ProcessRole names what a process runs; it is the logger's `service` field. */
export type ProcessRole = 'standalone' | 'gateway' | 'api' | 'presence' | 'webhook' | 'push' | 'history';

/** ProcessContext is what composing a process starts from: its config, logger, metrics and driver set. */
export interface ProcessContext {
  role: ProcessRole;
  config: ServerConfig;
  logger: Logger;
  metrics: Metrics;
  nodeId: NodeId;
  /** drivers collects what composing opens; the process closes it after every service stopped. */
  drivers: DriverSet;
}

/** Announcement is the start-up log line a process writes once every service started. */
export interface Announcement {
  msg: string;
  fields?: Record<string, unknown>;
  /** stopping is the log line written when a signal starts the shutdown. Default `<role> stopping`. */
  stopping?: string;
}

/** Composition is a composed process: its services in start order, and what it says when it started. */
export interface Composition {
  /** services start in this order and stop in the reverse order. */
  services: Service[];
  /** apps, when given, lets the metrics listener answer `/up/{app_id}`. */
  apps?: AppStore;
  /** announce builds the start-up log line (ports are known by then); `metricsPort` is undefined when off. */
  announce(metricsPort: number | undefined): Announcement;
}

/** Compose builds a process's services from its context, opening drivers through `ctx.drivers`. */
export type Compose = (ctx: ProcessContext) => Promise<Composition>;

/** RunningProcess is a started process: its context, bound metrics port and a stop that runs once. */
export interface RunningProcess {
  context: ProcessContext;
  composition: Composition;
  metricsPort?: number;
  /** stop stops every service in reverse order (each with the grace period), then closes every driver. */
  stop(): Promise<void>;
}

/**
 * startProcess composes a process and starts its services in order, then the metrics listener (`/metrics`,
 * `/up`, `/ready` from the drivers' probes). When anything fails, what was started is stopped and what was
 * opened is closed before the error is rethrown, so a failed start leaves no port or connection behind.
 */
export async function startProcess(role: ProcessRole, config: ServerConfig, logger: Logger, compose: Compose): Promise<RunningProcess> {
  // why: the process metrics only when something can scrape them: their event-loop delay monitor wakes the
  // loop every 10 ms (~280k CPU instructions a second on an idle embedded server, measured under callgrind).
  const metrics = new Metrics(config.metrics.prometheus.prefix, config.metrics.enabled);
  const drivers = new DriverSet();
  const context: ProcessContext = { role, config, logger, metrics, nodeId: config.instance.process_id, drivers };
  let composition: Composition;
  try {
    composition = await compose(context);
  } catch (err) {
    await drivers.close();
    throw err;
  }
  const services = [...composition.services];
  if (config.metrics.enabled) services.push(metricsListener(context, composition.apps));
  const started: Service[] = [];
  const graceMs = config.shutdown_grace_period * 1000;
  const stopAll = async (grace: number): Promise<void> => {
    for (const service of started) service.refuseNew?.();
    for (const service of started.splice(0).reverse()) {
      await service.stop(grace).catch((err: unknown) => logger.error({ err, service: service.name }, 'service failed to stop'));
    }
    await drivers.close();
  };
  try {
    for (const service of services) {
      await service.start();
      started.push(service);
    }
  } catch (err) {
    await stopAll(0);
    throw err;
  }
  const metricsService = config.metrics.enabled ? (services.at(-1) as HttpListener) : undefined;
  let stopping: Promise<void> | undefined;
  return { context, composition, metricsPort: metricsService?.port, stop: () => (stopping ??= stopAll(graceMs)) };
}

/** metricsListener serves Prometheus metrics and the health routes on `metrics.host:metrics.port`. */
function metricsListener(ctx: ProcessContext, apps: AppStore | undefined): HttpListener {
  const { config, metrics, drivers, logger } = ctx;
  const health = healthRoutes({ apps, probes: () => drivers.probes() });
  const expected = config.metrics.auth_token === '' ? undefined : `Bearer ${config.metrics.auth_token}`;
  return new HttpListener(
    'metrics',
    { host: config.metrics.host, port: config.metrics.port, key: 'metrics.port' },
    {
      request: (req, res) => {
        if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
          // why: /metrics names apps and traffic; the health routes stay open for probes.
          const given = req.headers.authorization;
          if (expected !== undefined && (given === undefined || !safeEqual(given, expected))) {
            res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer realm="metrics"' });
            res.end(JSON.stringify({ error: 'metrics.auth_token required: send Authorization: Bearer <token>' }));
            return;
          }
          metrics.registry.metrics().then(
            (text) => {
              res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
              res.end(text);
            },
            () => sendJson(res, 500, { error: 'Metrics collection failed' }),
          );
          return;
        }
        if (!health(req, res)) sendJson(res, 404, { error: 'Not found: this listener serves /metrics, /up and /ready' });
      },
    },
    logger,
  );
}

/**
 * runProcess is a service's whole `main`: load the config (a bad value prints the key and the file and exits
 * 1), compose and start the process (a failure prints one line and exits 1), write the start-up line, and stop
 * on the first SIGTERM or SIGINT (services closed in reverse order, exit 0; 1 when stopping failed).
 */
export async function runProcess(role: ProcessRole, compose: Compose): Promise<void> {
  const { config, logger } = bootConfig(role);
  // why: tracing starts before composing opens a driver, so that its instrumentations patch the modules first.
  const starting = startOrExit(logger, async () => {
    await startTracing(config.tracing, tracingStart(role, config));
    const running = await startProcess(role, config, logger, compose);
    const stop = running.stop;
    return { ...running, stop: () => stop().finally(stopTracing) };
  });
  let stopping = `${role} stopping`;
  // why: handlers go in before the start-up line, so a SIGTERM right after it (an orchestrator's, a test's)
  // always drains the process instead of killing it; one that comes during start-up waits for it.
  stopOnSignals(logger, async () => (await starting).stop(), () => stopping);
  const running = await starting;
  const announcement = running.composition.announce(running.metricsPort);
  stopping = announcement.stopping ?? stopping;
  logger.info({ ...announcement.fields, metrics_port: running.metricsPort, node: config.instance.process_id }, announcement.msg);
}

/**
 * bootConfig loads the config for a service process and its root logger; a bad value prints the message
 * (naming the key and the file) and exits with status 1.
 */
export function bootConfig(service: ProcessRole): { config: ServerConfig; logger: Logger } {
  try {
    const config = loadConfig();
    const level = config.debug ? 'debug' : config.log_level;
    const traceFields = tracingEnabled(config.tracing) ? () => activeTracing()?.logFields() ?? {} : undefined;
    const logger = createLogger({ level, service, traceFields });
    for (const warning of configWarnings(config)) logger.warn(warning);
    return { config, logger };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`sockudo-ts ${service}: configuration error: ${err.message}\n`);
    process.exit(1);
  }
}

/** tracingStart says who traces: the role, the node id and the bus and queue the process runs on. */
function tracingStart(role: ProcessRole, config: ServerConfig): TracingStart {
  const distributed = role !== 'standalone';
  return {
    role,
    nodeId: config.instance.process_id,
    busSystem: config.adapter.driver === 'local' || role === 'standalone' ? 'memory' : config.adapter.driver === 'nats' ? 'nats' : 'redis',
    queueSystem: distributed || config.queue.driver === 'redis' ? 'bullmq' : 'memory',
  };
}

/**
 * startOrExit runs a service's start; a failure (a port taken, a dependency down at start) is logged, printed
 * as one line on stderr, and exits 1.
 */
export async function startOrExit<T>(logger: Logger, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const reason = operatorMessage(err);
    logger.fatal({ reason }, 'cannot start');
    process.stderr.write(`sockudo-ts: cannot start: ${reason}\n`);
    process.exit(1);
  }
}

/** stopOnSignals stops the service on the first SIGTERM or SIGINT, then exits (0, or 1 when stopping failed). */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>, message: () => string): void {
  let stopping = false;
  const shutdown = (signal: string): void => {
    // why: Ctrl-C in a terminal signals the whole process group, so a child may get SIGINT and SIGTERM.
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, message());
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
