#!/usr/bin/env node
// Starts a local distributed cluster as separate processes against the NATS and Redis of this machine:
// presence (gRPC), N gateways, the api and the webhook worker, each with its own metrics port; and, when the
// configuration turns them on, the push service (`push.storage_driver = "postgres"`) and the history service
// (`history.enabled`, gRPC reads for gateways and the api). Those keep data in PostgreSQL: the script applies the
// project's migrations there first (what `npm run db:migrate` does) and stops if that fails.
// It supervises them like an orchestrator: a service that dies once the cluster runs is started again after a
// back-off (0.5 s, doubling up to 30 s, reset after 60 s of uptime) while the others keep serving.
// Ctrl-C / SIGTERM stops all.
//
//   npm run cluster -- [--gateways 2] [--gateway-port 6001] [--api-port 6100] [--presence-port 50051]
//                      [--history-port 50052] [--metrics-port 9601] [--config config/my.toml]
// The same settings as environment variables: CLUSTER_GATEWAYS, CLUSTER_GATEWAY_PORT, CLUSTER_API_PORT,
// CLUSTER_PRESENCE_PORT, CLUSTER_HISTORY_PORT, CLUSTER_METRICS_PORT. NATS_SERVERS, REDIS_URL, DATABASE_URL and
// every server setting pass through (HISTORY_ENABLED=true RECOVERY_ENABLED=true PUSH_STORAGE_DRIVER=postgres ...).
// Metrics ports are numbered from --metrics-port: presence, the gateways, api, webhook, then push and history.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const flag = (name, envName, fallback) => {
  const i = args.indexOf(`--${name}`);
  const raw = i >= 0 ? args[i + 1] : process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} (${envName}) must be a whole number, got ${JSON.stringify(raw)}`);
  return n;
};
const gateways = flag('gateways', 'CLUSTER_GATEWAYS', 2);
const gatewayPort = flag('gateway-port', 'CLUSTER_GATEWAY_PORT', 6001);
const apiPort = flag('api-port', 'CLUSTER_API_PORT', 6100);
const presencePort = flag('presence-port', 'CLUSTER_PRESENCE_PORT', 50051);
const historyPort = flag('history-port', 'CLUSTER_HISTORY_PORT', 50052);
const metricsPort = flag('metrics-port', 'CLUSTER_METRICS_PORT', 9601);
const configIndex = args.indexOf('--config');
const configArgs = configIndex >= 0 ? ['--config', args[configIndex + 1]] : [];
if (gateways < 1) fail('--gateways must be at least 1');

// why: the services read the same configuration (file and environment); what it turns on decides which optional
// services run, and a configuration they would refuse is reported here once instead of by every process.
const shared = await import('../shared/dist/index.js');
let config;
try {
  config = shared.loadConfig({ argv: configArgs, env: process.env, cwd: root });
} catch (err) {
  fail(err.message);
}
const withHistory = config.history.enabled;
// why: push.enabled alone (on by default) serves the push APIs; the push service runs apart only with its
// devices in PostgreSQL, where the api writes them too.
const withPush = config.push.enabled && config.push.storage_driver === 'postgres';
if (withHistory && !config.recovery.enabled && !config.app_manager.array.apps.some((a) => a.recovery?.enabled)) {
  process.stderr.write('cluster: history.enabled but no app has recovery on: history keeps only sequenced events (RECOVERY_ENABLED=true)\n');
}
/** Settings every service gets, so that gateways and the api find the history service the script starts. */
const clusterEnv = withHistory ? { HISTORY_GRPC_URL: `127.0.0.1:${historyPort}` } : {};

/** Back-off of restarts: the first after FIRST_DELAY_MS, doubling up to MAX_DELAY_MS; STABLE_MS of uptime resets it. */
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
const STABLE_MS = 60_000;

/** @type {{ name: string, service: string, env: Record<string, string>, child?: import('node:child_process').ChildProcess, startedAt: number, failures: number, timer?: NodeJS.Timeout }[]} */
const units = [];
let stopping = false;
let running = false;

function fail(message) {
  process.stderr.write(`cluster: ${message}\n`);
  process.exit(2);
}

function define(name, service, env) {
  const unit = { name, service, env, startedAt: 0, failures: 0 };
  units.push(unit);
  spawnUnit(unit);
  return unit;
}

function spawnUnit(unit) {
  const child = spawn(process.execPath, [`services/${unit.service}/dist/main.js`, ...configArgs], {
    cwd: root,
    env: { ...process.env, ADAPTER_DRIVER: 'nats', INSTANCE_PROCESS_ID: unit.name, PRESENCE_GRPC_URL: `127.0.0.1:${presencePort}`, ...clusterEnv, ...unit.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  unit.child = child;
  unit.startedAt = Date.now();
  process.stdout.write(`cluster: started ${unit.name} (pid ${child.pid})\n`);
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop();
      for (const line of lines) process.stdout.write(`[${unit.name}] ${line}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    const how = signal ?? `code ${code}`;
    if (!running) {
      // why: a service that dies while the cluster starts has a configuration or dependency problem that a
      // restart does not fix; say so at once instead of looping.
      process.stderr.write(`cluster: ${unit.name} exited (${how}) while the cluster was starting; stopping the cluster\n`);
      void stopAll(1);
      return;
    }
    if (Date.now() - unit.startedAt >= STABLE_MS) unit.failures = 0;
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** unit.failures);
    unit.failures += 1;
    process.stderr.write(`cluster: ${unit.name} exited (${how}); restarting it in ${delay} ms (restart ${unit.failures}), the other services keep running\n`);
    unit.timer = setTimeout(() => {
      unit.timer = undefined;
      if (!stopping) spawnUnit(unit);
    }, delay);
  });
}

function waitPort(port, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (stopping) return reject(new Error('stopping'));
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/**
 * migrate applies the project's migrations to the PostgreSQL database the configuration names (as
 * `npm run db:migrate` does) and resolves when done; it exits the script, printing the reason, when they fail.
 */
async function migrate() {
  const { database } = config;
  const url = database.url !== '' ? database.url : shared.databaseUrl('postgres', database.postgres);
  // why: the URL goes in the environment, not in argv, where any local user's `ps` would show its password.
  const child = spawn(process.execPath, ['shared/dist/db/migrate-cli.js'], { cwd: root, env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => process.stdout.write(String(chunk).replace(/^(?=.)/gm, '[migrate] ')));
  const code = await new Promise((resolve) => child.once('exit', (c, signal) => resolve(c ?? signal)));
  if (code !== 0) fail(`the migration of ${shared.redactUrl(url)} failed (above); the push and history services need it`);
}

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  const exits = units.map((unit) => {
    clearTimeout(unit.timer);
    const child = unit.child;
    return new Promise((resolve) => {
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  });
  await Promise.all(exits);
  process.stdout.write('cluster: stopped\n');
  process.exit(code);
}

process.once('SIGINT', () => void stopAll(0));
process.once('SIGTERM', () => void stopAll(0));

const ports = [];
/** start defines a service with the next metrics port and lists it in the table printed once the cluster runs. */
function start(name, service, address, env = {}) {
  const metrics = metricsPort + ports.length;
  define(name, service, { ...env, METRICS_PORT: String(metrics) });
  ports.push([name, address, metrics]);
}
if (withHistory || withPush) await migrate();
try {
  start('presence', 'presence', `gRPC 127.0.0.1:${presencePort}`, { PRESENCE_GRPC_PORT: String(presencePort) });
  await waitPort(presencePort);
  for (let i = 0; i < gateways; i++) start(`gateway-${i + 1}`, 'gateway', `ws://127.0.0.1:${gatewayPort + i}/app/{key}`, { PORT: String(gatewayPort + i) });
  start('api', 'api', `http://127.0.0.1:${apiPort}/apps/{id}`, { PORT: String(apiPort) });
  start('webhook', 'webhook', 'delivers the `webhooks` queue');
  const listening = [...Array(gateways).keys()].map((i) => gatewayPort + i).concat(apiPort);
  // why: a service's metrics port opens last, once everything else of it has started.
  if (withPush) {
    start('push', 'push', 'delivers the `push` queue');
    listening.push(metricsPort + ports.length - 1);
  }
  if (withHistory) {
    start('history', 'history', `gRPC 127.0.0.1:${historyPort}`, { HISTORY_GRPC_HOST: '127.0.0.1', HISTORY_GRPC_PORT: String(historyPort) });
    listening.push(historyPort, metricsPort + ports.length - 1);
  }
  await Promise.all(listening.map((port) => waitPort(port)));
} catch (err) {
  if (stopping) await new Promise(() => undefined);
  process.stderr.write(`cluster: ${err.message}\n`);
  await stopAll(1);
}
running = true;
const table = ports.map(([name, address, metrics]) => `  ${name.padEnd(10)} ${address.padEnd(36)} metrics http://127.0.0.1:${metrics}/metrics\n`);
process.stdout.write(`\n${table.join('')}\ncluster: running (a service that dies is restarted; Ctrl-C stops every process)\n`);
