import type { AppStore } from '../apps/app-store.js';
import type { Bus } from '../bus/bus.js';
import type { CacheStore } from '../cache/cache-store.js';
import { ConfigError } from '../config/config.js';
import { openAppStore } from '../drivers/apps.js';
import { openBus } from '../drivers/bus.js';
import { openCache } from '../drivers/cache.js';
import { openHistoryReader } from '../drivers/history.js';
import { ColdRecoveryReader } from '../history/cold-recovery.js';
import type { HistoryReader } from '../history/history-store.js';
import { openRemotePresence, type RemotePresenceOptions } from '../drivers/presence.js';
import type { NodeRegistry } from '../presence/node-registry.js';
import type { Presence } from '../presence/presence.js';
import { anyRecovery, recoveryPolicy, type RecoveryReader } from '../recovery/recovery-log.js';
import type { AppId } from '../ids.js';
import { ChannelPublisher } from '../publish/channel-publisher.js';
import { WebhookDeadLetters } from '../webhooks/dead-letters.js';
import type { WebhookSink } from '../webhooks/events.js';
import { openWebhookQueue, openWebhookSink } from '../webhooks/settings.js';
import type { ProcessContext } from './process.js';

/** ClusterPorts are the ports a separate gateway or api process is composed from. */
export interface ClusterPorts {
  apps: AppStore;
  bus: Bus;
  cache: CacheStore;
  publisher: ChannelPublisher;
  presence: Presence & NodeRegistry;
  webhooks: WebhookSink;
  webhookDeadLetters: WebhookDeadLetters;
  /** recovery answers resume and rewind from the stream, when `[recovery]` is on for some app. */
  recovery?: ClusterRecovery;
}

/** ClusterRecovery is a gateway's view of recovery: which apps have it, and the stream's reader. */
export interface ClusterRecovery {
  enabled(appId: AppId): boolean;
  reader: RecoveryReader;
  /** history reads pages from the history service (`history.grpc_url`); undefined without it. */
  history?: HistoryReader;
}

/**
 * openClusterPorts opens, through the process's driver set, what a separate gateway or api process needs: the
 * bus (`adapter.driver` must be `nats` or `redis`: with `local` every node would work alone), the cache and the webhook
 * queue on the shared Redis whatever their embedded drivers say, and the presence service's client. Fails with
 * DependencyUnavailable when the bus or Redis does not answer (the presence client connects lazily).
 */
export async function openClusterPorts(ctx: ProcessContext, presenceOptions: RemotePresenceOptions = {}): Promise<ClusterPorts> {
  const { config, logger, drivers, role, metrics } = ctx;
  if (config.adapter.driver === 'local') {
    throw new ConfigError(`adapter.driver: a separate ${role} process needs a shared bus, \`nats\` or \`redis\` (ADAPTER_DRIVER=nats); with \`local\` it would work per node`);
  }
  const apps = await drivers.open(openAppStore(config, logger));
  const appList = config.app_manager.array.apps;
  const policy = recoveryPolicy(config.recovery, appList);
  const sequenced = anyRecovery(config.recovery, appList);
  // why: the stream's max age is stream-wide, so the longest any app asks for wins; each app's own buffer
  // (buffer_size, max_buffer_bytes, ttl_seconds) is applied when resume and rewind read the stream.
  const ttlSeconds = Math.max(config.recovery.ttl_seconds, ...appList.map((a) => a.recovery?.ttl_seconds ?? 0));
  const streamMaxBytes = config.recovery.stream_max_bytes;
  const onGapsFilled = (count: number): void => ctx.metrics.gapsFilled.inc(count);
  const bus = await drivers.open(openBus(config, sequenced ? { logger, recovery: { policy, ttlSeconds, streamMaxBytes, onGapsFilled } } : { logger }));
  const reader = bus as Bus & Partial<RecoveryReader>;
  const hot: RecoveryReader | undefined = sequenced && typeof reader.readAfter === 'function' ? (reader as RecoveryReader) : undefined;
  // why: with the history service reachable over gRPC, a resume or rewind past the stream's buffer continues from
  // history, and V2 sockets may read history pages.
  const history = hot !== undefined && config.history.enabled && config.history.grpc_url !== '' ? await drivers.open(openHistoryReader(config)) : undefined;
  const recovery =
    hot === undefined
      ? undefined
      : { enabled: (appId: AppId) => policy(appId).enabled, reader: history === undefined ? hot : new ColdRecoveryReader(hot, history), ...(history !== undefined ? { history } : {}) };
  const cache = await drivers.open(openCache(config, 'redis'));
  const queue = await drivers.open(openWebhookQueue(config, 'redis'));
  const webhooks = await drivers.open(openWebhookSink(queue, apps, config, logger, metrics));
  const presence = await drivers.open(openRemotePresence(config, presenceOptions));
  const publisher = new ChannelPublisher(bus, cache, config.channel_limits.cache_ttl);
  return { apps, bus, cache, publisher, presence, webhooks, webhookDeadLetters: new WebhookDeadLetters(queue), ...(recovery === undefined ? {} : { recovery }) };
}
