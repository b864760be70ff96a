import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { App } from '@sockudo-ts/shared';
import { buildOnce } from './process.js';
import { deleteRunStreams } from './jetstream.js';
import { ChildService, freePort } from './processes.js';
import { newApp, type AppFields, type TestApp } from './server.js';
import { NATS, REDIS, uniquePrefix } from './services.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Endpoint is where a client connects: a gateway (WebSockets) or the api (HTTP), with the test app. */
export interface Endpoint {
  host: string;
  port: number;
  app: TestApp;
}

/** ClusterOptions adjust a test cluster; every field has a default. */
export interface ClusterOptions {
  /** gateways is the number of gateway processes. Default 2. */
  gateways?: number;
  /** app fields merged into the generated app. */
  app?: AppFields;
  /**
   * bus is the cluster's bus driver: `nats` (NATS core), `redis` (Redis pub/sub on `busRedisUrl`) or
   * `redis-cluster` (sharded pub/sub on `busClusterNodes`). Default:
   * the ADAPTER_DRIVER of the test run when it names one of them, else `nats`, so that
   * `ADAPTER_DRIVER=redis npx vitest run tests/cluster` runs the cluster suite on the Redis bus.
   */
  bus?: ClusterBus;
  /** busRedisUrl is the Redis of the `redis` bus. Default: redisUrl. */
  busRedisUrl?: string;
  /** busClusterNodes are the seed node URLs of the `redis-cluster` bus (required for it). */
  busClusterNodes?: string[];
  /** natsUrl / redisUrl default to the machine's servers (ENVIRONMENT.md). */
  natsUrl?: string;
  redisUrl?: string;
  /** heartbeatIntervalMs / nodeTimeoutMs: cluster health. Defaults 300 / 1500 (fast, for tests). */
  heartbeatIntervalMs?: number;
  nodeTimeoutMs?: number;
  /** webhookWorker also starts the webhook service (services/webhook), which delivers queued webhooks. */
  webhookWorker?: boolean;
  /** pushWorker also starts the push service (services/push); it needs `push.storage_driver = "postgres"` in `config`. */
  pushWorker?: boolean;
  /** env is added to every process's environment, after the kit's own variables (credentials, ENVIRONMENT). */
  env?: Record<string, string>;
  /** config keys (nested) merged into the cluster's config file, e.g. `{ webhooks: { vacate_delay_ms: 0 } }`. */
  config?: Record<string, unknown>;
}

/** ClusterBus is a bus driver a test cluster can run on. */
export type ClusterBus = 'nats' | 'redis' | 'redis-cluster';

/**
 * defaultClusterBus is the bus of a cluster that names none: the test run's ADAPTER_DRIVER (`redis`, or
 * `redis-cluster` with the seed nodes in REDIS_CLUSTER_NODES), else `nats`.
 */
export function defaultClusterBus(): ClusterBus {
  const driver = process.env.ADAPTER_DRIVER;
  if (driver === 'redis') return 'redis';
  if (driver === 'redis-cluster' && (process.env.REDIS_CLUSTER_NODES ?? '') !== '') return 'redis-cluster';
  return 'nats';
}

/**
 * TestCluster is a distributed cluster of real processes: presence (gRPC), N gateways and the api, each
 * on free ports, sharing a unique NATS subject prefix and Redis key prefix.
 */
export interface TestCluster {
  app: TestApp;
  presence: ChildService;
  gateways: ChildService[];
  api: ChildService;
  /** webhook is the webhook service, when `webhookWorker` was asked for. */
  webhook?: ChildService;
  /** push is the push service, when `pushWorker` was asked for. */
  push?: ChildService;
  /** gateway returns the endpoint of gateway `i` (for pusherClient / rawClient). */
  gateway(i: number): Endpoint;
  /** apiEndpoint is the endpoint of the api (for apiClient). */
  apiEndpoint: Endpoint;
  /** redisPrefix is the key prefix of this cluster. */
  redisPrefix: string;
  /** nats is where this cluster's NATS bus is: server URL and subject prefix (to watch its traffic). */
  nats: { url: string; prefix: string };
  /** bus is the cluster's bus driver and the prefix of its topics (NATS subjects or Redis channels). */
  bus: { driver: ClusterBus; prefix: string };
  /** metricsPorts maps each process name (`presence`, `gateway-1`, `api`, `webhook`) to its metrics port. */
  metricsPorts: Record<string, number>;
  /** configFile is the config every process of the cluster reads (to start one more, differently set). */
  configFile: string;
  stop(): Promise<void>;
}

/**
 * startCluster builds (incrementally) and starts presence, gateways and api (and the webhook service) as
 * child processes (`node services/<name>/dist/main.js`) with one config file, and tears them down in `stop`,
 * deleting the cluster's Redis keys.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  buildOnce();
  const app = newApp({ enable_client_messages: true, enable_user_authentication: true, ...options.app });
  const natsUrl = options.natsUrl ?? `nats://${NATS.host}:${NATS.port}`;
  const redisUrl = options.redisUrl ?? `redis://${REDIS.host}:${REDIS.port}`;
  const tag = uniquePrefix('cl');
  const bus = options.bus ?? defaultClusterBus();
  const busPrefix = bus === 'nats' ? tag : `${tag}:bus:`;
  const redisPrefix = `${tag}:`;
  const grpcPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sockudo-cluster-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      host: '127.0.0.1',
      log_level: 'info',
      shutdown_grace_period: 1,
      metrics: { host: '127.0.0.1' },
      adapter: {
        driver: bus,
        nats: { servers: [natsUrl], prefix: tag },
        redis: { prefix: `${tag}:bus:`, redis_pub_options: { url: options.busRedisUrl ?? redisUrl }, redis_sub_options: { url: options.busRedisUrl ?? redisUrl } },
        cluster: { nodes: options.busClusterNodes ?? (process.env.REDIS_CLUSTER_NODES ?? '').split(',').filter(Boolean), prefix: `${tag}:bus:` },
        cluster_health: { heartbeat_interval_ms: options.heartbeatIntervalMs ?? 300, node_timeout_ms: options.nodeTimeoutMs ?? 1500 },
      },
      presence: { grpc_url: `127.0.0.1:${grpcPort}`, grpc_host: '127.0.0.1', grpc_port: grpcPort, grpc_deadline_ms: 1000 },
      queue: { redis: { prefix: `${tag}:queue` } },
      app_manager: { driver: 'memory', array: { apps: [app] } },
      ...options.config,
      // why: a test's database keys (a PostgreSQL url) join the cluster's Redis settings instead of replacing them.
      database: { ...(options.config?.database as object | undefined), redis: { url: redisUrl, key_prefix: redisPrefix } },
    }),
  );
  const metricsPorts: Record<string, number> = {};
  const service = async (name: string, kind: string, port: number): Promise<ChildService> => {
    metricsPorts[name] = await freePort();
    // why: ADAPTER_DRIVER of the test run chose `bus` already; the config file must decide, not the inherited variable.
    const env: Record<string, string> = { INSTANCE_PROCESS_ID: `${tag}-${name}`, METRICS_PORT: String(metricsPorts[name]), ADAPTER_DRIVER: bus };
    if (kind !== 'presence') env.PORT = String(port);
    return new ChildService(name, port, process.execPath, [`services/${kind}/dist/main.js`, '--config', configFile], { ...env, ...options.env }, ROOT);
  };
  const presence = await service('presence', 'presence', grpcPort);
  const gateways: ChildService[] = [];
  for (let i = 0; i < (options.gateways ?? 2); i++) gateways.push(await service(`gateway-${i + 1}`, 'gateway', await freePort()));
  const api = await service('api', 'api', await freePort());
  // why: the webhook service listens only for metrics; that port tells when it is up.
  const webhookMetrics = await freePort();
  if (options.webhookWorker) metricsPorts.webhook = webhookMetrics;
  const webhook = options.webhookWorker
    ? new ChildService('webhook', webhookMetrics, process.execPath, ['services/webhook/dist/main.js', '--config', configFile], { METRICS_PORT: String(webhookMetrics), ADAPTER_DRIVER: bus, ...options.env }, ROOT)
    : undefined;
  const pushMetrics = await freePort();
  if (options.pushWorker) metricsPorts.push = pushMetrics;
  const push = options.pushWorker
    ? new ChildService('push', pushMetrics, process.execPath, ['services/push/dist/main.js', '--config', configFile], { METRICS_PORT: String(pushMetrics), ADAPTER_DRIVER: bus, ...options.env }, ROOT)
    : undefined;
  const all = [presence, ...gateways, api, ...(webhook ? [webhook] : []), ...(push ? [push] : [])];
  const stop = async (): Promise<void> => {
    await Promise.all(all.map((s) => s.kill('SIGTERM')));
    rmSync(dir, { recursive: true, force: true });
    await deleteKeys(redisUrl, redisPrefix);
    if (bus === 'nats') await deleteRunStreams(natsUrl, tag);
  };
  try {
    await presence.start();
    await Promise.all([...gateways, api, ...(webhook ? [webhook] : []), ...(push ? [push] : [])].map((s) => s.start()));
  } catch (err) {
    await stop();
    throw err;
  }
  const endpoint = (s: ChildService): Endpoint => ({ host: '127.0.0.1', port: s.port, app });
  return { app, presence, gateways, api, webhook, push, gateway: (i) => endpoint(gateways[i]!), apiEndpoint: endpoint(api), redisPrefix, nats: { url: natsUrl, prefix: tag }, bus: { driver: bus, prefix: busPrefix }, metricsPorts, configFile, stop };
}

/** deleteKeys removes every key under a prefix (best effort: the Redis may be a stopped test copy). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // why: a private redis-server stopped by a fault test takes its keys with it.
  } finally {
    redis.disconnect();
  }
}

/** ApiReply is an HTTP API answer: status and parsed JSON body (success or error alike). */
export interface ApiReply {
  status: number;
  body: any;
}

/**
 * apiCall runs a `pusher` SDK call against an endpoint and returns its status and body whether it
 * succeeded or not. The SDK sets no request timeout: a call that hangs hangs the test, whose timeout reports it.
 */
export async function apiCall(call: () => Promise<{ status: number; json(): Promise<unknown> }>): Promise<ApiReply> {
  try {
    const res = await call();
    return { status: res.status, body: await res.json() };
  } catch (err) {
    const e = err as { status?: number; body?: string; message: string };
    if (e.status === undefined) throw err;
    let body: unknown = e.body;
    try {
      body = JSON.parse(e.body ?? '');
    } catch {
      // the body is not JSON; keep the text
    }
    return { status: e.status, body };
  }
}
