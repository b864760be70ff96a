import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './clients.js';
import { deleteRunStreams } from './jetstream.js';
import { ROOT } from './process.js';
import { LOW_PORTS, START_TIMEOUT_MS } from './processes.js';
import { deleteKeys } from './cluster.js';
import { NATS, REDIS, reachable, uniquePrefix } from './services.js';

/** ScriptClusterOptions add to what `npm run cluster` starts. */
export interface ScriptClusterOptions {
  /** env is added to the script's environment (HISTORY_ENABLED, PUSH_ENABLED, DATABASE_URL, ...). */
  env?: Record<string, string>;
  /** push and history say which optional services `env` turns on: each takes a metrics port, history a gRPC port too. */
  push?: boolean;
  history?: boolean;
}

/** ScriptCluster is `npm run cluster` (scripts/cluster.mjs) started by a test on its own ports and prefixes. */
export interface ScriptCluster {
  script: ChildProcess;
  gatewayPort: number;
  apiPort: number;
  presencePort: number;
  metricsPort: number;
  /** historyPort is the history service's gRPC port (the script's --history-port). */
  historyPort: number;
  /** metricsPortOf reads a service's metrics port from the table the script prints once running. */
  metricsPortOf(name: string): number;
  /** output is everything the script printed so far (its own lines and its services'). */
  output(): string;
  /** pidsOf lists the pids the script printed for a service, one per start. */
  pidsOf(name: string): number[];
  /** exited resolves with the script's exit code. */
  exited: Promise<number | null>;
  /** stop sends `signal` (Ctrl-C by default), waits for the exit and deletes the run's Redis keys. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** freeRun finds `count` consecutive free ports (the script numbers gateways and metrics ports from a base). */
async function freeRun(count: number): Promise<number> {
  for (;;) {
    // why: below the kernel's ephemeral range (32768+), where the cluster's own outgoing connections
    // would otherwise take ports of the run between this check and the bind.
    const base = LOW_PORTS.from + Math.floor(Math.random() * (LOW_PORTS.to - LOW_PORTS.from - count));
    const taken = await Promise.all([...Array(count).keys()].map((i) => reachable('127.0.0.1', base + i)));
    if (!taken.some(Boolean)) return base;
  }
}

/**
 * startScriptCluster runs scripts/cluster.mjs (presence, two gateways, the api, the webhook service, and push or
 * history when `options` turn them on) on one run of free ports (2 gateways, api, presence, a metrics port per
 * service, the history gRPC port), with NATS, Redis and queue prefixes of its own, and resolves once it reports
 * `cluster: running`. why: five or more processes start at once on what may be a loaded 2-core machine; each
 * has the kit's START_TIMEOUT_MS.
 */
export async function startScriptCluster(tag: string, options: ScriptClusterOptions = {}): Promise<ScriptCluster> {
  const metricsCount = 5 + (options.push ? 1 : 0) + (options.history ? 1 : 0);
  const base = await freeRun(4 + metricsCount + 1);
  const [gatewayPort, apiPort, presencePort, metricsPort, historyPort] = [base, base + 2, base + 3, base + 4, base + 4 + metricsCount];
  const prefix = uniquePrefix(tag);
  const script = spawn(
    process.execPath,
    ['scripts/cluster.mjs', '--gateway-port', String(gatewayPort), '--api-port', String(apiPort), '--presence-port', String(presencePort), '--metrics-port', String(metricsPort), '--history-port', String(historyPort)],
    {
      cwd: ROOT,
      env: { ...process.env, NATS_PREFIX: prefix, REDIS_KEY_PREFIX: `${prefix}:`, QUEUE_REDIS_PREFIX: `${prefix}:queue`, HOST: '127.0.0.1', METRICS_HOST: '127.0.0.1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  script.stdout!.on('data', (d: Buffer) => (out += d));
  script.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<number | null>((resolve) => script.once('exit', (code) => resolve(code)));
  const cluster: ScriptCluster = {
    script,
    gatewayPort,
    apiPort,
    presencePort,
    metricsPort,
    historyPort,
    metricsPortOf: (name) => {
      const m = new RegExp(`^  ${name} +\\S+.* metrics http://127\\.0\\.0\\.1:(\\d+)/metrics$`, 'm').exec(out);
      if (m === null) throw new Error(`the cluster script printed no metrics port for ${name}`);
      return Number(m[1]);
    },
    output: () => out,
    pidsOf: (name) => [...out.matchAll(new RegExp(`cluster: started ${name} \\(pid (\\d+)\\)`, 'g'))].map((m) => Number(m[1])),
    exited,
    stop: async (signal = 'SIGINT') => {
      if (script.exitCode === null) script.kill(signal);
      const code = await exited;
      await deleteKeys(`redis://${REDIS.host}:${REDIS.port}`, `${prefix}:`);
      await deleteRunStreams(`nats://${NATS.host}:${NATS.port}`, prefix);
      return code;
    },
  };
  try {
    await waitFor(
      () => {
        if (script.exitCode !== null) throw new Error(`the cluster script exited (${script.exitCode}):\n${out}`);
        return out.includes('cluster: running');
      },
      START_TIMEOUT_MS * 2,
      'the cluster to report running',
    );
  } catch (err) {
    await cluster.stop('SIGKILL');
    throw err;
  }
  return cluster;
}
