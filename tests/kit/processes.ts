import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_SERVER_BINARY, REDIS_SERVER_BINARY, reachable } from './services.js';

/**
 * LOW_PORTS is where freePort picks from: below the kernel's ephemeral range (32768-60999 here).
 * `SOCKUDO_TEST_PORTS=from-to` moves it, so a second test run on the same machine (a developer's while a
 * loop of full runs goes on) takes ports from a range of its own instead of racing the first for the same ones.
 */
export const LOW_PORTS = (() => {
  const match = /^(\d+)-(\d+)$/.exec(process.env.SOCKUDO_TEST_PORTS ?? '');
  if (!match) return { from: 12_000, to: 32_000 };
  const from = Number(match[1]);
  const to = Number(match[2]);
  if (from < 1024 || to > 65_535 || to - from < 1_000) throw new Error(`SOCKUDO_TEST_PORTS=${process.env.SOCKUDO_TEST_PORTS}: want from-to, 1024 <= from, to <= 65535, at least 1000 ports`);
  return { from, to };
})();

/** POOL_SLICES is how many vitest workers get a slice of LOW_PORTS of their own (more workers share slices). */
const POOL_SLICES = 8;

/**
 * ownPorts is this test process's slice of LOW_PORTS, and `next` the offset of the next port to try there.
 * why: a port checked free is not bound until a child process starts listening on it, often seconds later on a
 * loaded machine, and a cluster asks for a dozen ports before any is bound. Random picks from one shared range
 * could hand out the same port twice (within one cluster, or to two test files running in parallel: seen as
 * "address already in use"); each vitest worker (VITEST_POOL_ID) takes ports from its own slice, in turn.
 */
const ownPorts = (() => {
  const size = Math.floor((LOW_PORTS.to - LOW_PORTS.from) / POOL_SLICES);
  const slice = (Number(process.env.VITEST_POOL_ID ?? '1') - 1) % POOL_SLICES;
  const from = LOW_PORTS.from + Math.max(0, slice) * size;
  // why: a random start, so a file that follows another in the same worker does not retry its ports first.
  return { from, size, next: Math.floor(Math.random() * size) };
})();

/**
 * freePort returns a port that is free right now and not handed out before by this process (until its slice
 * wraps around), below the ephemeral range. why: a port the kernel hands out for `listen(0)` comes from the
 * ephemeral range, where any process's outgoing connections (other tests, other services on the machine) can
 * take it between this check and the child's bind.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = ownPorts.from + (ownPorts.next++ % ownPorts.size);
    if (await bindable(port)) return port;
  }
}

/** bindable tells whether a listener can bind the port on 127.0.0.1 now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * START_TIMEOUT_MS is how long a started process may take to listen. why: a process that starts in under a
 * second on an idle machine took 20 s on a 2-core machine at load 20 (it needs ~1 s of CPU to load its modules);
 * this bound only detects a process that never starts, it measures nothing.
 */
export const START_TIMEOUT_MS = 60_000;

/** waitListening resolves once something accepts TCP connections on the port. */
export async function waitListening(port: number, timeoutMs = START_TIMEOUT_MS, what = `port ${port}`): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await reachable('127.0.0.1', port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} is not listening after ${timeoutMs} ms`);
}

/**
 * ChildService is a process the test started (a sockudo service, nats-server, redis-server): it can be
 * killed with any signal and started again with the same command. Output lines are kept in `logs`
 * (and echoed to stderr when CLUSTER_LOGS=1).
 */
export class ChildService {
  readonly logs: string[] = [];
  private child?: ChildProcess;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: Record<string, string> = {},
    private readonly cwd = process.cwd(),
  ) {}

  /** start spawns the process and resolves once its port listens. */
  async start(): Promise<void> {
    const child = spawn(this.command, this.args, { cwd: this.cwd, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) {
          if (line === '') continue;
          this.logs.push(line);
          if (process.env.CLUSTER_LOGS === '1') process.stderr.write(`[${this.name}] ${line}\n`);
        }
      });
    }
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => reject(new Error(`${this.name} exited (${signal ?? code}) before listening: ${this.logs.slice(-5).join(' | ')}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitListening(this.port, START_TIMEOUT_MS, this.name), exited]);
  }

  /** running is true while the process has not exited. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** kill sends a signal and resolves once the process has exited (SIGKILL after `graceMs`). */
  async kill(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }

  /** restart kills the process (SIGTERM) and starts it again on the same port. */
  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }
}

/**
 * startNatsServer starts a private nats-server on a free port (for tests that stop it or watch it). With
 * `monitorPort`, its HTTP monitoring endpoints (`/connz?subs=1`, ...) listen there.
 */
export async function startNatsServer(monitorPort?: number): Promise<ChildService> {
  const port = await freePort();
  const monitor = monitorPort === undefined ? [] : ['-m', String(monitorPort)];
  const nats = new ChildService('nats-server', port, NATS_SERVER_BINARY.path, ['-a', '127.0.0.1', '-p', String(port), ...monitor]);
  await nats.start();
  return nats;
}

/** startRedisServer starts a private, memory-only redis-server on a free port (for tests that stop it). */
export async function startRedisServer(): Promise<ChildService> {
  const port = await freePort();
  const redis = new ChildService('redis-server', port, REDIS_SERVER_BINARY.path, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  await redis.start();
  return redis;
}

/** RedisClusterUnderTest is a private Redis Cluster of masters: its node processes and seed URLs. */
export interface RedisClusterUnderTest {
  nodes: ChildService[];
  /** urls are `redis://127.0.0.1:<port>` of every master. */
  urls: string[];
  /** restart kills node `i` (SIGKILL) and starts it again; it rejoins with its slots (nodes.conf is kept). */
  restart(i: number): Promise<void>;
  /** waitHealthy resolves once every node reports cluster_state:ok. */
  waitHealthy(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * startRedisCluster starts `masters` (default 3) memory-only redis-server processes with cluster-enabled yes on
 * free ports (their cluster bus ports too), joins them with `redis-cli --cluster create` (no replicas) and waits
 * until the cluster state is ok on every node.
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'sockudo-redis-cluster-'));
  const nodes: ChildService[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      const busPort = await freePort();
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-port', String(busPort), '--cluster-node-timeout', '2000');
      const node = new ChildService(`redis-cluster-${i + 1}`, port, REDIS_SERVER_BINARY.path, args);
      nodes.push(node);
      await node.start();
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    execFileSync(REDIS_CLI, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'pipe', timeout: 30_000 });
  } catch (err) {
    await stop();
    throw err;
  }
  const waitHealthy = async (): Promise<void> => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const states = nodes.map((n) => {
        try {
          return execFileSync(REDIS_CLI, ['-p', String(n.port), 'cluster', 'info'], { encoding: 'utf8', timeout: 5000 });
        } catch {
          return '';
        }
      });
      if (states.every((s) => s.includes('cluster_state:ok'))) return;
      if (Date.now() > deadline) throw new Error(`the Redis Cluster is not ok after ${START_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  try {
    await waitHealthy();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes,
    urls: nodes.map((n) => `redis://127.0.0.1:${n.port}`),
    restart: async (i) => {
      await nodes[i]!.kill('SIGKILL');
      await nodes[i]!.start();
    },
    waitHealthy,
    stop,
  };
}

/** REDIS_CLI is redis-cli, which joins the nodes of a test Redis Cluster. */
const REDIS_CLI = '/usr/bin/redis-cli';
