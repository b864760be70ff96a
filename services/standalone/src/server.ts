import { HttpApi, PushApi } from '@sockudo-ts/api';
import { Gateway } from '@sockudo-ts/gateway';
import {
  ChannelPublisher,
  ColdRecoveryReader,
  HttpListener,
  LocalPresence,
  MemoryHistoryStore,
  MemoryRecoveryLog,
  recordHistory,
  RetentionJob,
  retentionRules,
  anyRecovery,
  WebhookDeadLetters,
  createListener,
  listenerSettings,
  defineService,
  healthRoutes,
  openAppStore,
  openBus,
  openCache,
  openPresenceStore,
  openPushStores,
  openRateLimits,
  openWebhookQueue,
  openWebhookSink,
  recoveryPolicy,
  sendJson,
  startProcess,
  type AppId,
  type Composition,
  type Logger,
  type ProcessContext,
  type ServerConfig,
} from '@sockudo-ts/shared';
import { webhookWorkerService } from '@sockudo-ts/webhook';
import { pushWorkerService } from '@sockudo-ts/push';

/** RunningServer is a started embedded server: its bound ports and a stop function. */
export interface RunningServer {
  config: ServerConfig;
  /** port is the bound WebSocket/HTTP port (useful when config.port was 0). */
  port: number;
  /** metricsPort is the bound metrics port, or undefined when metrics are disabled. */
  metricsPort?: number;
  /** stop closes every socket with 4200, waits up to the grace period, and releases every resource. */
  stop(): Promise<void>;
}

/**
 * composeStandalone composes the embedded server of `npm start`: the gateway and the HTTP API on one port, over
 * the in-process bus and presence store, with the cache and the webhook queue the config names (in memory by
 * default; Redis and BullMQ only when asked for) and the webhook worker on that queue; with `push.enabled`, the
 * push queue, devices and statuses (in memory by default) and the push worker on them.
 */
export async function composeStandalone(ctx: ProcessContext): Promise<Composition> {
  const { config, logger, metrics, nodeId, drivers } = ctx;
  const apps = await drivers.open(openAppStore(config, logger));
  const bus = await drivers.open(openBus(config, { logger }, 'local'));
  const cache = await drivers.open(openCache(config));
  const queue = await drivers.open(openWebhookQueue(config));
  const store = await drivers.open(openPresenceStore(config, 'memory'));
  const webhooks = await drivers.open(openWebhookSink(queue, apps, config, logger, metrics));
  const push = config.push.enabled ? await openPushStores(config, drivers) : undefined;
  const presence = new LocalPresence(store, bus, apps, webhooks, { subscriptionCountThrottleMs: config.subscription_count.throttle_ms });
  // why: serials are assigned in this process, so the in-memory log is the whole cluster's (see issue 11).
  const log = anyRecovery(config.recovery, config.app_manager.array.apps) ? new MemoryRecoveryLog(recoveryPolicy(config.recovery, config.app_manager.array.apps), undefined, undefined, config.recovery.max_total_bytes) : undefined;
  // why: history keeps what the sequencer numbered, so it needs recovery on (the serials are its positions).
  const history = config.history.enabled && log !== undefined ? new MemoryHistoryStore() : undefined;
  if (config.history.enabled && history === undefined) logger.warn('history is on but no app has recovery on: nothing is sequenced, so nothing is kept');
  const retention = history === undefined ? undefined : new RetentionJob(history, () => retentionRules(config.history, config.app_manager.array.apps), config.history.retention_interval_seconds * 1000, logger);
  const sequencer = log === undefined || history === undefined ? log : recordHistory(log, history, logger);
  const publisher = new ChannelPublisher(bus, cache, config.channel_limits.cache_ttl, sequencer);
  // why: a resume or rewind reaching past the hot buffer continues from history when there is one.
  const recovery = log === undefined ? undefined : { enabled: (appId: AppId) => log.enabled(appId), reader: history === undefined ? log : new ColdRecoveryReader(log, history), ...(history !== undefined ? { history } : {}) };
  const limits = await drivers.open(openRateLimits(config, logger, (limit) => metrics.limited.inc({ limit })));
  const gateway = new Gateway({ config, apps, bus, presence, webhooks, metrics, logger, nodeId, publisher, limits, ...(recovery === undefined ? {} : { recovery }) });
  const api = new HttpApi({ config, apps, bus, presence, cache, metrics, logger, publisher, webhookDeadLetters: new WebhookDeadLetters(queue), limits, ...(push !== undefined ? { push: new PushApi(push, config.push) } : {}), ...(history !== undefined ? { history } : {}) });
  const health = healthRoutes({ apps, probes: () => drivers.probes() });
  const http = createListener(
    'http',
    listenerSettings(config),
    {
      serverOptions: api.serverOptions,
      request: (req, res) => {
        if (health(req, res) || api.handle(req, res)) return;
        sendJson(res, 404, { error: 'Not found' });
      },
      upgrade: (req, socket, head) => gateway.handleUpgrade(req, socket, head),
    },
    logger,
    config,
  );
  return {
    apps,
    // why: stopping runs backwards (after the listener has refused new connections): sockets close with 4200
    // first, then the listener finishes, then presence's timers, and the webhook worker last, after the events
    // those closes caused were queued.
    services: [
      webhookWorkerService(ctx, queue, apps),
      ...(push !== undefined ? [pushWorkerService(ctx, push)] : []),
      defineService('presence-throttles', { stop: () => presence.close() }),
      defineService('recovery-log', { stop: async () => log?.close() }),
      defineService('history', { start: () => retention?.start(), stop: async () => (await retention?.stop(), await history?.close()) }),
      http,
      gateway,
    ],
    announce: (metricsPort) => ({
      msg: `sockudo-ts listening on ${http.address}`,
      fields: { host: config.host, port: http.port, metrics_port: metricsPort, apps: config.app_manager.array.apps.map((a) => a.id) },
      stopping: 'shutting down: closing sockets with 4200',
    }),
  };
}

/** startStandalone starts the embedded server with a given config and logger (tests and embedding). */
export async function startStandalone(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const running = await startProcess('standalone', config, logger, composeStandalone);
  const http = running.composition.services.find((s): s is HttpListener => s instanceof HttpListener)!;
  return { config, port: http.port, metricsPort: running.metricsPort, stop: running.stop };
}
