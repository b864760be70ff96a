#!/usr/bin/env node
// Starts a local distributed cluster as separate processes against the NATS and Redis of this machine:
// presence (gRPC), N gateways, the api and the webhook worker, each with its own metrics port.
// It supervises them like an orchestrator: a service that dies once the cluster runs is started again after a
// back-off (0.5 s, doubling up to 30 s, reset after 60 s of uptime) while the others keep serving.
// Ctrl-C / SIGTERM stops all.
//
//   npm run cluster -- [--gateways 2] [--gateway-port 6001] [--api-port 6100] [--presence-port 50051]
//                      [--metrics-port 9601] [--config config/my.toml]
// The same settings as environment variables: CLUSTER_GATEWAYS, CLUSTER_GATEWAY_PORT, CLUSTER_API_PORT,
// CLUSTER_PRESENCE_PORT, CLUSTER_METRICS_PORT. NATS_SERVERS, REDIS_URL and every server setting pass through.
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
const metricsPort = flag('metrics-port', 'CLUSTER_METRICS_PORT', 9601);
const configIndex = args.indexOf('--config');
const configArgs = configIndex >= 0 ? ['--config', args[configIndex + 1]] : [];
if (gateways < 1) fail('--gateways must be at least 1');

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
    env: { ...process.env, ADAPTER_DRIVER: 'nats', INSTANCE_PROCESS_ID: unit.name, PRESENCE_GRPC_URL: `127.0.0.1:${presencePort}`, ...unit.env },
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
try {
  define('presence', 'presence', { PRESENCE_GRPC_PORT: String(presencePort), METRICS_PORT: String(metricsPort) });
  await waitPort(presencePort);
  ports.push(['presence', `gRPC 127.0.0.1:${presencePort}`, metricsPort]);
  for (let i = 0; i < gateways; i++) {
    const port = gatewayPort + i;
    define(`gateway-${i + 1}`, 'gateway', { PORT: String(port), METRICS_PORT: String(metricsPort + 1 + i) });
    ports.push([`gateway-${i + 1}`, `ws://127.0.0.1:${port}/app/{key}`, metricsPort + 1 + i]);
  }
  define('api', 'api', { PORT: String(apiPort), METRICS_PORT: String(metricsPort + 1 + gateways) });
  ports.push(['api', `http://127.0.0.1:${apiPort}/apps/{id}`, metricsPort + 1 + gateways]);
  define('webhook', 'webhook', { METRICS_PORT: String(metricsPort + 2 + gateways) });
  ports.push(['webhook', 'delivers the `webhooks` queue', metricsPort + 2 + gateways]);
  await Promise.all([...Array(gateways).keys()].map((i) => waitPort(gatewayPort + i)).concat(waitPort(apiPort)));
} catch (err) {
  if (stopping) await new Promise(() => undefined);
  process.stderr.write(`cluster: ${err.message}\n`);
  await stopAll(1);
}
running = true;
const table = ports.map(([name, address, metrics]) => `  ${name.padEnd(10)} ${address.padEnd(36)} metrics http://127.0.0.1:${metrics}/metrics\n`);
process.stdout.write(`\n${table.join('')}\ncluster: running (a service that dies is restarted; Ctrl-C stops every process)\n`);
