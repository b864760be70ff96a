/**
 * history.ts measures the history path (issue 12) on the machine's NATS (JetStream on) and PostgreSQL:
 * - write: events published to the JetStream channel stream as fast as it acks them (WINDOW in flight) while
 *   the history consumer stores them in PostgreSQL; reported as published/s and stored/s, and the backlog
 *   (published but not stored) when publishing ends;
 * - read: the latency of reading a 100-item page of a 20,000-event channel (newest page, and pages at random
 *   cursors), p50/p99.
 * Run: `npm run bench:history`. Writes bench-results/history.md and prints it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { asAppId, asChannelName, asNodeId, migrateDatabase, type RecoveryConfig } from '@sockudo-ts/shared';
import { JetStreamBus, JetStreamHistoryConsumer, NatsBus, PrismaHistoryStore } from '@sockudo-ts/shared/implementations';
import { Histogram } from './histogram.js';
import { ROOT } from './targets.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const PG_ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const MESSAGES = Number(process.env.HISTORY_BENCH_MESSAGES ?? 20_000);
const CHANNELS = 20;
const WINDOW = 256;
const READS = 500;
const app = asAppId('bench-history');

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ ...PG_ADMIN, database: 'postgres' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const dbName = `bench_history_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${dbName}`);
  const url = `postgres://postgres@127.0.0.1:5432/${dbName}`;
  const prefix = `benchhist${randomBytes(3).toString('hex')}`;
  const core = await NatsBus.connect({ servers: [NATS_URL], prefix, nodeId: asNodeId('bench') });
  const policy = (): RecoveryConfig => ({ enabled: true, buffer_size: MESSAGES, max_buffer_bytes: 1 << 24, ttl_seconds: 600, max_total_bytes: 1 << 28 });
  const bus = await JetStreamBus.open(core, { prefix, policy, bufferSize: MESSAGES, ttlSeconds: 600 });
  try {
    await migrateDatabase(url);
    const store = await PrismaHistoryStore.open({ url });
    let stored = 0;
    const consumer = new JetStreamHistoryConsumer(core.connection, { prefix, store, batchSize: 500, onStored: (n) => (stored += n) });
    consumer.start();
    const frame = (i: number, channel: string): string => JSON.stringify({ event: 'tick', channel, data: JSON.stringify({ i, pad: 'x'.repeat(80) }) });
    const started = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < MESSAGES) {
        const i = next++;
        const channel = asChannelName(`ch-${i % CHANNELS}`);
        await bus.publish(app, channel, { frame: frame(i, channel), sequenced: true });
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, worker));
    const publishMs = performance.now() - started;
    const backlog = MESSAGES - stored;
    while (stored < MESSAGES) await new Promise((r) => setTimeout(r, 20));
    const storeMs = performance.now() - started;
    await consumer.stop();

    const seed = [];
    for (let i = 0; i < 20_000; i++) seed.push({ app_id: app, channel: asChannelName('read'), serial: i + 1, stream_id: 's', message_id: `m${i}`, event: 'tick', data: frame(i, 'read'), published_at_ms: Date.now() });
    for (let i = 0; i < seed.length; i += 2000) await store.append(seed.slice(i, i + 2000));
    const newest = new Histogram();
    const random = new Histogram();
    for (let r = 0; r < READS; r++) {
      let t = performance.now();
      await store.read(app, asChannelName('read'), { limit: 100 });
      newest.record(performance.now() - t);
      t = performance.now();
      await store.read(app, asChannelName('read'), { limit: 100, end_serial: 1 + Math.floor(Math.random() * 20_000) });
      random.record(performance.now() - t);
    }
    await store.close();
    const n = newest.summary();
    const rnd = random.summary();
    const lines = [
      `Measured ${new Date().toISOString()} (Node ${process.version}); NATS at ${NATS_URL}, PostgreSQL 127.0.0.1:5432. ${MESSAGES.toLocaleString('en-US')} events (~150-byte frames) over ${CHANNELS} channels, ${WINDOW} publishes in flight; consumer batches of 500.`,
      '',
      '| history write | value |',
      '|---|---:|',
      `| published/s (JetStream acked) | ${Math.round(MESSAGES / (publishMs / 1000)).toLocaleString('en-US')} |`,
      `| stored/s (publish start to last stored) | ${Math.round(MESSAGES / (storeMs / 1000)).toLocaleString('en-US')} |`,
      `| backlog when publishing ended (events) | ${backlog.toLocaleString('en-US')} |`,
      '',
      `| read of a 100-item page (20,000-event channel, ${READS} reads) | p50 ms | p99 ms |`,
      '|---|---:|---:|',
      `| newest page | ${n.p50} | ${n.p99} |`,
      `| page at a random serial | ${rnd.p50} | ${rnd.p99} |`,
      '',
    ];
    const text = lines.join('\n');
    mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench-results', 'history.md'), text);
    process.stdout.write(text);
  } finally {
    const { jetstreamManager } = await import('@nats-io/jetstream');
    await (await jetstreamManager(core.connection)).streams.delete(`${prefix}_channels`).catch(() => false);
    await bus.close();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:history failed: ${String(err)}\n`);
    process.exit(1);
  },
);
