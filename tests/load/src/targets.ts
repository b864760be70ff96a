/**
 * targets.ts lists the servers the benchmark measures side by side. Each target says which scenarios it
 * runs, why it cannot run here (if so), and how to start it on free ports. Adding a target is one entry
 * in TARGETS.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { asNodeId, migrateDatabase, type RecoveryConfig } from '@sockudo-ts/shared';
import { historyStreamName, JetStreamBus, NatsBus } from '@sockudo-ts/shared/implementations';
import type { Options, ScenarioName } from './options.js';
import { waitForPort } from './proc.js';
import { startPushSinks, type PushSinks } from './push-sinks.js';
import { freePort, ServerProcess, sumMemory, type MemorySample } from './server-process.js';

/** ROOT is the repository root; SCRATCH holds installs, configs and logs (outside git). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SCRATCH = join(ROOT, '.scratch', 'bench');

/** APP is the one app every target serves. */
export const APP = { appId: 'bench-app', key: 'bench-key', secret: 'bench-secret' };

/** HANG_APP is the abuse targets' second tenant, whose webhook receiver accepts connections and never answers. */
export const HANG_APP = { appId: 'hang-app', key: 'hang-key', secret: 'hang-secret' };

/** RunningTarget is a started target: where clients connect, where to publish, and its processes. */
export interface RunningTarget {
  /** wsPorts are the WebSocket ports; sockets are spread over them round-robin. */
  wsPorts: number[];
  httpPort: number;
  servers: ServerProcess[];
  /** metricsPort is the server's metrics listener, on the targets that open one (abuse: event-loop delay). */
  metricsPort?: number;
  pids(): number[];
  memory(): Promise<MemorySample>;
  stop(): Promise<void>;
}

/** Target is one server to measure. */
export interface Target {
  name: string;
  scenarios: ScenarioName[];
  /** note is printed under the results (what this target does differently). */
  note?: string;
  /** prepare returns why the target cannot run on this machine, or undefined when it can. */
  prepare(options: Options): Promise<string | undefined>;
  start(options: Options): Promise<RunningTarget>;
}

const ALL: ScenarioName[] = ['fanout', 'many', 'idle', 'http', 'presence'];

function running(servers: ServerProcess[], wsPorts: number[], httpPort: number): RunningTarget {
  return {
    wsPorts,
    httpPort,
    servers,
    pids: () => servers.map((s) => s.pid),
    memory: async () => sumMemory(await Promise.all(servers.map((s) => s.memory()))),
    stop: async () => void (await Promise.all(servers.map((s) => s.stop()))),
  };
}

async function startOne(name: string, script: string, args: string[], env: Record<string, string>, port: number, execArgv: string[] = [], cwd?: string): Promise<ServerProcess> {
  mkdirSync(SCRATCH, { recursive: true });
  const server = new ServerProcess(script, args, env, join(SCRATCH, `${name}.log`), execArgv, cwd);
  try {
    await waitForPort(port);
  } catch (err) {
    await server.stop();
    throw new Error(`${name} did not start (log: ${join(SCRATCH, `${name}.log`)}): ${String(err)}`);
  }
  return server;
}

/** sockudoConfig writes the TOML config of the sockudo-ts targets and returns its path. */
export function sockudoConfig(push = ''): string {
  mkdirSync(SCRATCH, { recursive: true });
  const file = join(SCRATCH, push === '' ? 'sockudo-bench.toml' : 'sockudo-bench-push.toml');
  // why: the presence churn scenario joins and leaves ~130 times a second per socket, past the per-socket
  // frame limit (websocket.max_frames_per_second) that no real client reaches; the bench measures throughput.
  writeFileSync(
    file,
    `log_level = "warn"\n[metrics]\nenabled = false\n[websocket]\nmax_frames_per_second = 0\n[[app_manager.array.apps]]\nid = "${APP.appId}"\nkey = "${APP.key}"\n` +
      `secret = "${APP.secret}"\nmax_presence_members_per_channel = 1000\n` + (push === '' ? '' : `[push]\nmax_recipients_per_publish = 0\n${push}`),
  );
  return file;
}

function profileArgs(options: Options, name: string): string[] {
  return options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`];
}

/** scriptTarget is a one-process target of this directory's `<script>` started as `node <script> <port> [...args]`. */
function scriptTarget(name: string, script: string, scenarios: ScenarioName[], note: string, args: string[] = []): Target {
  return {
    name,
    scenarios,
    note,
    prepare: async () => undefined,
    async start(options) {
      const port = await freePort();
      const server = await startOne(name, fileURLToPath(new URL(script, import.meta.url)), [String(port), ...args], {}, port, profileArgs(options, name));
      return running([server], [port], port);
    },
  };
}

const baseline = scriptTarget(
  'baseline',
  './baseline-server.js',
  ALL,
  'baseline: minimal ws broadcast server, no auth or validation, one write per frame per socket; presence channels are plain channels (no member events).',
);

const baselineExpress = scriptTarget(
  'baseline-express',
  './baseline-express-server.js',
  ['http'],
  "baseline-express: baseline's HTTP handler as one express 5 route (no auth, no validation); its CPU per trigger over baseline's is what express itself costs.",
);

const baselinePerTurn = scriptTarget(
  'baseline-per-turn',
  './baseline-server.js',
  ['http'],
  "baseline-per-turn: baseline with its HTTP answers of one event-loop turn written together at the turn's end, as sockudo-ts writes its API's; its CPU per trigger over baseline's is what that alone saves.",
  ['--per-turn'],
);

/**
 * embeddedTarget is the embedded server of the checkout at `root` (this one, or a `--ref` build); `extraEnv`
 * adds settings (RECOVERY_ENABLED for the serial path).
 */
function embeddedTarget(name: string, root: string, withPush: boolean, extraEnv: Record<string, string> = {}, note?: string): Target {
  const script = join(root, 'services/standalone/dist/main.js');
  return {
    name,
    scenarios: withPush ? [...ALL, 'push'] : ALL,
    ...(note === undefined ? {} : { note }),
    prepare: async () => (existsSync(script) ? undefined : `${script} missing: run \`npm ci && npx tsc -b\` there`),
    async start(options) {
      const port = await freePort();
      const env = { HOST: '127.0.0.1', PORT: String(port), ...extraEnv };
      // why: a --ref checkout may predate the [push] section, which its config loader would refuse.
      const config = withPush && options.scenarios.includes('push') ? sockudoConfig((await pushSinks()).toml) : sockudoConfig();
      const server = await startOne(name, script, ['--config', config], env, port, profileArgs(options, name), root);
      return running([server], [port], port);
    },
  };
}

const embedded = embeddedTarget('sockudo-ts', ROOT, true);

const embeddedSerials = embeddedTarget(
  'sockudo-ts-serials',
  ROOT,
  false,
  { RECOVERY_ENABLED: 'true' },
  'sockudo-ts-serials: the embedded server with [recovery] enabled: every event gets a serial and is kept in the in-memory recovery buffer (100 per channel).',
);

const CLUSTER_ENTRIES = ['services/gateway/dist/main.js', 'services/api/dist/main.js', 'services/presence/dist/main.js'];

/** reachable tells whether something accepts TCP connections on 127.0.0.1:port. */
function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

/**
 * clusterTarget is the distributed shape on the machine's NATS and Redis; `extraEnv` adds settings (given the
 * run's unique prefix, for settings that must not collide with other runs).
 */
function clusterTarget(name: string, note: string, extraEnv: (run: string) => Record<string, string> = () => ({})): Target {
  return {
  name,
  scenarios: ['fanout'],
  note,
  async prepare() {
    const missing = CLUSTER_ENTRIES.filter((p) => !existsSync(join(ROOT, p)));
    if (missing.length > 0) return `cluster entry points not on this branch (${missing.join(', ')}): the cluster mode is not merged into main yet`;
    if (!(await reachable(4222))) return 'NATS is not running on 127.0.0.1:4222 (see ENVIRONMENT.md to start it)';
    if (!(await reachable(6379))) return 'Redis is not running on 127.0.0.1:6379 (see ENVIRONMENT.md to start it)';
    return undefined;
  },
  async start(options) {
    const config = sockudoConfig();
    const [g1, g2, api, grpc] = [await freePort(), await freePort(), await freePort(), await freePort()];
    // why: NATS and Redis are shared with tests and other clusters: every run gets its own prefixes.
    const run = `bench${Date.now().toString(36)}`;
    const env: Record<string, string> = {
      HOST: '127.0.0.1',
      ADAPTER_DRIVER: 'nats',
      NATS_SERVERS: 'nats://127.0.0.1:4222',
      NATS_PREFIX: run,
      REDIS_KEY_PREFIX: `${run}:`,
      PRESENCE_GRPC_URL: `127.0.0.1:${grpc}`,
      METRICS_ENABLED: 'false',
      ...extraEnv(run),
    };
    const one = (name: string, entry: string, port: number, extra: Record<string, string>): Promise<ServerProcess> =>
      startOne(`cluster-${name}`, join(ROOT, entry), ['--config', config], { ...env, INSTANCE_PROCESS_ID: `${run}-${name}`, ...extra }, port, profileArgs(options, name));
    const servers: ServerProcess[] = [];
    try {
      servers.push(await one('presence', CLUSTER_ENTRIES[2]!, grpc, { PRESENCE_GRPC_PORT: String(grpc) }));
      servers.push(await one('gateway-1', CLUSTER_ENTRIES[0]!, g1, { PORT: String(g1) }));
      servers.push(await one('gateway-2', CLUSTER_ENTRIES[0]!, g2, { PORT: String(g2) }));
      servers.push(await one('api', CLUSTER_ENTRIES[1]!, api, { PORT: String(api) }));
    } catch (err) {
      await Promise.all(servers.map((s) => s.stop()));
      throw err;
    }
    const target = running(servers, [g1, g2], api);
    if (env.RECOVERY_ENABLED !== 'true') return target;
    // why: the serial path leaves a JetStream stream named after the run's prefix on the shared NATS.
    return { ...target, stop: async () => (await target.stop(), await deleteStream(`${run}_channels`)) };
  },
  };
}

/** deleteStream removes a JetStream stream from the machine's NATS (best effort). */
async function deleteStream(name: string): Promise<void> {
  const { connect: connectNats } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connectNats({ servers: 'nats://127.0.0.1:4222' });
  try {
    await (await jetstreamManager(nc)).streams.delete(name);
  } catch {
    // the stream may not exist (the run failed before creating it)
  } finally {
    await nc.close();
  }
}

/** cluster is today's distributed shape (NATS core between the processes). */
export const cluster = clusterTarget(
  'sockudo-ts-cluster',
  'sockudo-ts-cluster: presence service + 2 gateways + 1 api over NATS (127.0.0.1:4222) and Redis; sockets alternate between the gateways; CPU and RSS are summed over the four processes (NATS and Redis not counted).',
);

/** clusterSerials is the cluster on the serial path (recovery on: JetStream between api and gateways). */
export const clusterSerials = clusterTarget(
  'sockudo-ts-cluster-serials',
  'sockudo-ts-cluster-serials: the cluster with [recovery] enabled: events go through a JetStream stream (file storage) that republishes them with their serial; the api waits for the stream\'s ack.',
  () => ({ RECOVERY_ENABLED: 'true' }),
);

const clusterRedis = clusterTarget(
  'sockudo-ts-cluster-redis',
  'sockudo-ts-cluster-redis: the cluster with ADAPTER_DRIVER=redis: the bus between the processes is Redis pub/sub (127.0.0.1:6379) instead of NATS; CPU and RSS are summed over the four processes (Redis not counted).',
  (run) => ({ ADAPTER_DRIVER: 'redis', ADAPTER_REDIS_PREFIX: `${run}:bus:` }),
);

const SOKETI_DIR = join(ROOT, '.scratch', 'soketi');
const SOKETI_BIN = join(SOKETI_DIR, 'node_modules/@soketi/soketi/bin/server.js');

const soketi: Target = {
  name: 'soketi',
  scenarios: ALL,
  note: 'soketi 1.6.1 (uWebSockets.js build @trufflesuite/uws-js-unofficial@20.30.0-unofficial.0), installed in .scratch/soketi; its HTTP API answers `Connection: close`, so each of its triggers includes a TCP connect.',
  async prepare() {
    if (existsSync(SOKETI_BIN)) return undefined;
    mkdirSync(SOKETI_DIR, { recursive: true });
    writeFileSync(
      join(SOKETI_DIR, 'package.json'),
      JSON.stringify({
        name: 'soketi-scratch',
        private: true,
        dependencies: { '@soketi/soketi': '1.6.1' },
        overrides: { 'uWebSockets.js': 'npm:@trufflesuite/uws-js-unofficial@20.30.0-unofficial.0' },
      }),
    );
    try {
      await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund', '--omit=dev'], { cwd: SOKETI_DIR, timeout: 300_000 });
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? '').split('\n').filter((l) => l.startsWith('npm error')).slice(0, 2);
      return `npm install of @soketi/soketi failed${stderr.length > 0 ? `: ${stderr.join('; ')}` : ''} (registry unreachable?)`;
    }
    return existsSync(SOKETI_BIN) ? undefined : 'npm install finished but @soketi/soketi/bin/server.js is missing';
  },
  async start() {
    const [port, metrics, clusterPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      SOKETI_HOST: '127.0.0.1',
      SOKETI_PORT: String(port),
      SOKETI_METRICS_SERVER_PORT: String(metrics),
      SOKETI_CLUSTER_PORT: String(clusterPort),
      SOKETI_CLUSTER_UNICAST_ADDRESSES: '127.0.0.1',
      SOKETI_DEFAULT_APP_ID: APP.appId,
      SOKETI_DEFAULT_APP_KEY: APP.key,
      SOKETI_DEFAULT_APP_SECRET: APP.secret,
      SOKETI_PRESENCE_MAX_MEMBERS: '1000',
    };
    const server = await startOne('soketi', SOKETI_BIN, ['start'], env, port, [], SOKETI_DIR);
    return running([server], [port], port);
  },
};

const HISTORY_ENTRY = 'services/history/dist/main.js';

/**
 * HistoryTarget is the history scenario's target: the history service on the machine's NATS and PostgreSQL,
 * with its own database and stream prefix, and the stream the scenario publishes to. The service starts when
 * the scenario says (`startService`), so that it can first publish a backlog for the service to drain.
 */
export interface HistoryTarget extends RunningTarget {
  bus: JetStreamBus;
  jsm: JetStreamManager;
  /** stream is the history stream (sourced from the channel stream by the NATS server; what the service consumes). */
  stream: string;
  /** channelStream is the JetStream stream of the channels (what the scenario publishes to). */
  channelStream: string;
  /** grpcUrl is where the service answers history reads. */
  grpcUrl: string;
  startService(): Promise<void>;
  /** storedCount is how many events the history table holds. */
  storedCount(): Promise<number>;
}

/** PG_ADMIN is the machine's PostgreSQL, where the history target creates (and drops) its own database. */
const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';

async function pgAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** startHistoryTarget creates a database and a stream of the run's own and prepares (without starting) the history service. */
export async function startHistoryTarget(options: Options): Promise<HistoryTarget> {
  const run = `benchhist${Date.now().toString(36)}`;
  await pgAdmin(`CREATE DATABASE ${run}`);
  const url = `postgres://postgres@127.0.0.1:5432/${run}`;
  const servers: ServerProcess[] = [];
  let core: NatsBus | undefined;
  let bus: JetStreamBus | undefined;
  const db = new pg.Client({ connectionString: url });
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
    await db.end().catch(() => undefined);
    if (core !== undefined) {
      const jsm = await jetstreamManager(core.connection);
      await jsm.streams.delete(`${run}_channels`).catch(() => false);
      await jsm.streams.delete(historyStreamName(run, bus?.streamId ?? '')).catch(() => false);
    }
    await bus?.close().catch(() => undefined);
    await pgAdmin(`DROP DATABASE IF EXISTS ${run} WITH (FORCE)`).catch(() => undefined);
  };
  try {
    await migrateDatabase(url);
    await db.connect();
    core = await NatsBus.connect({ servers: ['nats://127.0.0.1:4222'], prefix: run, nodeId: asNodeId('bench-publisher') });
    const policy = (): RecoveryConfig => ({ enabled: true, buffer_size: 100_000, max_buffer_bytes: 1 << 26, ttl_seconds: 3600, max_total_bytes: 1 << 30, stream_max_bytes: 1 << 30 });
    bus = await JetStreamBus.open(core, { prefix: run, policy, ttlSeconds: 3600 });
    const jsm = await jetstreamManager(core.connection);
    const grpc = await freePort();
    const metrics = await freePort();
    const env = {
      ADAPTER_DRIVER: 'nats',
      NATS_SERVERS: 'nats://127.0.0.1:4222',
      NATS_PREFIX: run,
      DATABASE_URL: url,
      HISTORY_ENABLED: 'true',
      HISTORY_GRPC_PORT: String(grpc),
      METRICS_PORT: String(metrics),
      LOG_LEVEL: 'warn',
    };
    return {
      ...running(servers, [], 0),
      bus,
      jsm,
      stream: historyStreamName(run, bus.streamId),
      channelStream: `${run}_channels`,
      grpcUrl: `127.0.0.1:${grpc}`,
      startService: async () => void servers.push(await startOne('history-service', join(ROOT, HISTORY_ENTRY), [], env, grpc, profileArgs(options, 'history'))),
      storedCount: async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM channel_history')).rows[0]!.n),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** historyTarget is the history scenario's target (see HistoryTarget). */
const historyTarget: Target = {
  name: 'sockudo-ts-history',
  scenarios: ['history'],
  note: 'sockudo-ts-history: the history service (one process) storing a JetStream stream of the machine\'s NATS (file storage) into the machine\'s PostgreSQL; events are ~150-byte frames over 20 channels published from the load generator; CPU is the service\'s.',
  async prepare() {
    if (!existsSync(join(ROOT, HISTORY_ENTRY))) return `${HISTORY_ENTRY} missing: run \`npm run build\``;
    if (!(await reachable(4222))) return 'NATS is not running on 127.0.0.1:4222 (see ENVIRONMENT.md to start it)';
    if (!(await reachable(5432))) return 'PostgreSQL is not running on 127.0.0.1:5432 (see ENVIRONMENT.md to start it)';
    return undefined;
  },
  start: (options) => startHistoryTarget(options),
};


/**
 * natsBus is the bus itself on the machine's NATS, with no server process of ours: the serials scenario opens
 * its publishers and subscribers in the bench process (NATS core next to JetStream, and `--ref`'s JetStream).
 */
const natsBus: Target = {
  name: 'nats-bus',
  scenarios: ['serials'],
  note: "nats-bus: the serials scenario's bus paths run in the bench process against the machine's NATS (127.0.0.1:4222, JetStream on), then sockudo-ts-cluster and sockudo-ts-cluster-serials end to end; NATS server CPU is that shared nats-server's, other users of it included.",
  prepare: async () => ((await reachable(4222)) ? undefined : 'NATS is not running on 127.0.0.1:4222 (see ENVIRONMENT.md to start it)'),
  start: async () => running([], [], 0),
};

/** hangingReceiver listens on a free port, reads every request and never answers one. */
async function hangingReceiver(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * abuseTarget is the embedded server with the product's default limits (no bench overrides) and a second
 * app whose webhooks go to a receiver that never answers; `limiter` also turns the rate limiter on as the
 * production checklist says (memory driver, its default limits, one trusted proxy hop so that the bench's
 * clients can stand for different addresses with X-Forwarded-For).
 */
function abuseTarget(name: string, limiter: boolean, note: string, root = ROOT): Target {
  const script = join(root, 'services/standalone/dist/main.js');
  return {
    name,
    scenarios: ['abuse'],
    note,
    prepare: async () => (existsSync(script) ? undefined : `${script} missing: run \`npm ci && npx tsc -b\``),
    async start(options) {
      const port = await freePort();
      const metricsPort = await freePort();
      const hang = await hangingReceiver();
      mkdirSync(SCRATCH, { recursive: true });
      const file = join(SCRATCH, `${name}.toml`);
      const app = (a: typeof APP): string => `[[app_manager.array.apps]]\nid = "${a.appId}"\nkey = "${a.key}"\nsecret = "${a.secret}"\n`;
      writeFileSync(
        file,
        `log_level = "warn"\n[metrics]\nenabled = true\nport = ${metricsPort}\n` +
          (limiter ? '[rate_limiter]\nenabled = true\ndriver = "memory"\n[rate_limiter.api_rate_limit]\ntrust_hops = 1\n[rate_limiter.websocket_rate_limit]\ntrust_hops = 1\n' : '') +
          app(APP) +
          app(HANG_APP) +
          `[[app_manager.array.apps.webhooks]]\nurl = "http://127.0.0.1:${hang.port}/hook"\nevent_types = ["channel_occupied", "channel_vacated"]\n`,
      );
      let server: ServerProcess;
      try {
        server = await startOne(name, script, ['--config', file], { HOST: '127.0.0.1', PORT: String(port) }, port, profileArgs(options, name), root);
      } catch (err) {
        await hang.close();
        throw err;
      }
      const target = running([server], [port], port);
      return { ...target, metricsPort, stop: async () => (await target.stop(), await hang.close()) };
    },
  };
}

const abuseDefaults = abuseTarget(
  'sockudo-ts-defaults',
  false,
  'sockudo-ts-defaults: the embedded server with the default limits (rate limiter off, as shipped); a second app\'s webhook receiver hangs.',
);

const abuseLimited = abuseTarget(
  'sockudo-ts-limited',
  true,
  'sockudo-ts-limited: sockudo-ts-defaults with the rate limiter on (memory driver, default limits, `trust_hops = 1`: attackers and the bystander\'s backend stand for different addresses through X-Forwarded-For).',
);

/** TARGETS is every target in run order; baseline first, since the others are reported relative to it. */
export const TARGETS: Target[] = [baseline, baselineExpress, baselinePerTurn, embedded, embeddedSerials, cluster, clusterRedis, clusterSerials, soketi, natsBus, historyTarget, abuseDefaults, abuseLimited];

/**
 * refTarget measures another built checkout (`--ref DIR`, e.g. a `git worktree` of main) as
 * `sockudo-ts@ref`, side by side with this one: the before/after of a hot-path change in one run.
 */
export function refTarget(dir: string): Target {
  return embeddedTarget('sockudo-ts@ref', dir, false);
}

/** refAbuseTargets are the abuse targets of another built checkout (`--ref DIR`), named `<target>@ref`. */
export function refAbuseTargets(dir: string): Target[] {
  return [
    abuseTarget('sockudo-ts-defaults@ref', false, 'sockudo-ts-defaults@ref: sockudo-ts-defaults built from the --ref checkout.', dir),
    abuseTarget('sockudo-ts-limited@ref', true, 'sockudo-ts-limited@ref: sockudo-ts-limited built from the --ref checkout.', dir),
  ];
}

let sinks: Promise<PushSinks> | undefined;

/** pushSinks starts the push scenario's provider sinks once per run (the embedded targets' config points at them). */
export function pushSinks(): Promise<PushSinks> {
  sinks ??= startPushSinks(join(SCRATCH, 'push'));
  return sinks;
}

/** closePushSinks stops the sinks when they were started. */
export async function closePushSinks(): Promise<void> {
  if (sinks !== undefined) await (await sinks).close();
}
