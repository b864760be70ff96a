import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS, deleteKeys, reachable, uniquePrefix } from '../kit/index.js';
import { ROOT, STANDALONE_MAIN, buildOnce } from '../kit/process.js';

// Drivers load on demand (issue 8 §3): `npm start` with no external service configured never loads the NATS,
// BullMQ, ioredis, gRPC, Prisma or SQL driver packages; asking for a Redis-backed driver loads ioredis and BullMQ then.
// Tracing (issue 10) is the same: with no OTLP endpoint, no OpenTelemetry package is loaded at all.

const HEAVY = /\/node_modules\/(@nats-io|bullmq|ioredis|@grpc|@prisma|pg|mariadb|@opentelemetry)\//;

/** loadedBy starts the built embedded server with an import log, waits for it to listen, stops it, and returns what it loaded. */
async function loadedBy(dir: string, name: string, env: Record<string, string>): Promise<string[]> {
  const log = join(dir, `${name}.log`);
  const child = spawn(process.execPath, ['--import', `${ROOT}tests/kit/import-log.mjs`, STANDALONE_MAIN], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', IMPORT_LOG: log, PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  while (!out.includes('sockudo-ts listening')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

describe('the embedded server loads drivers on demand', () => {
  let dir: string;
  beforeAll(() => {
    buildOnce();
    dir = mkdtempSync(join(tmpdir(), 'sockudo-lazy-'));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts and stops with no NATS, BullMQ, ioredis, gRPC or OpenTelemetry module loaded', async () => {
    const loaded = await loadedBy(dir, 'memory', {});
    // the log sees the packages the server does use, so an empty match below is not an empty log
    expect(loaded.some((url) => url.includes('/node_modules/ws/'))).toBe(true);
    expect(loaded.filter((url) => HEAVY.test(url))).toEqual([]);
  });

  it('loads ioredis and BullMQ once the config asks for the Redis cache and queue', async () => {
    if (!(await reachable(REDIS.host, REDIS.port))) {
      if (process.env.CI === 'true') throw new Error(`Redis is not reachable at ${REDIS.host}:${REDIS.port}; start it with: ${REDIS.start}`);
      process.stderr.write(`SKIPPED: lazy-driver check with Redis: Redis is not reachable; start it with: ${REDIS.start}\n`);
      return;
    }
    const prefix = uniquePrefix('lazy');
    let loaded: string[];
    try {
      loaded = await loadedBy(dir, 'redis', { CACHE_DRIVER: 'redis', QUEUE_DRIVER: 'redis', REDIS_KEY_PREFIX: `${prefix}:`, QUEUE_REDIS_PREFIX: `${prefix}q` });
    } finally {
      await deleteKeys(`redis://${REDIS.host}:${REDIS.port}`, prefix);
    }
    expect(loaded.some((url) => url.includes('/node_modules/ioredis/'))).toBe(true);
    expect(loaded.some((url) => url.includes('/node_modules/bullmq/'))).toBe(true);
    expect(loaded.some((url) => /\/node_modules\/(@nats-io|@grpc)\//.test(url))).toBe(false);
  });

  it('loads the OpenTelemetry SDK once an OTLP endpoint is configured, and still no driver it does not use', async () => {
    // why: port 9 (discard) has no collector; the exports fail quietly and the server runs on.
    const loaded = await loadedBy(dir, 'tracing', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(loaded.some((url) => url.includes('/node_modules/@opentelemetry/sdk-trace-base/'))).toBe(true);
    expect(loaded.some((url) => url.includes('/node_modules/@opentelemetry/instrumentation-http/'))).toBe(true);
    expect(loaded.some((url) => /\/node_modules\/(@nats-io|bullmq|@prisma)\//.test(url))).toBe(false);
  });
});
