import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAppId, asChannelName, asNodeId, migrateDatabase, type RecoveryConfig } from '@sockudo-ts/shared';
import { GrpcHistoryReader, historyStreamName, JetStreamBus, NatsBus, PrismaHistoryStore, serialOf } from '@sockudo-ts/shared/implementations';
import { deleteHistoryStreams } from '../kit/jetstream.js';
import { NATS, POSTGRES, servicesUp, uniquePrefix } from '../kit/services.js';
import { ChildService, freePort } from '../kit/processes.js';
import { ROOT } from '../kit/process.js';
import { apiClient, rawClient, waitFor, type RawFrame } from '../kit/clients.js';
import { startCluster } from '../kit/cluster.js';
import { createPostgresDatabase, type TestDatabase } from '../kit/databases.js';

const up = await servicesUp('history service', NATS, POSTGRES);
const natsUrl = `nats://${NATS.host}:${NATS.port}`;
const policy = (): RecoveryConfig => ({ enabled: true, buffer_size: 10_000, max_buffer_bytes: 1 << 22, ttl_seconds: 600, max_total_bytes: 1 << 28, stream_max_bytes: 1 << 30 });

async function historyProcess(prefix: string, databaseUrl: string, grpcPort?: number, env: Record<string, string> = {}): Promise<ChildService> {
  const metricsPort = await freePort();
  const grpc = grpcPort ?? (await freePort());
  return new ChildService('history', metricsPort, process.execPath, ['services/history/dist/main.js'], {
    METRICS_PORT: String(metricsPort),
    ADAPTER_DRIVER: 'nats',
    NATS_SERVERS: natsUrl,
    NATS_PREFIX: prefix,
    DATABASE_URL: databaseUrl,
    HISTORY_ENABLED: 'true',
    HISTORY_BATCH_SIZE: '100',
    HISTORY_GRPC_PORT: String(grpc),
    ...env,
  }, ROOT);
}

/** deleteHistoryStream removes the history stream a test's history service created (startCluster leaves it). */
async function deleteHistoryStream(prefix: string): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: natsUrl });
  try {
    await deleteHistoryStreams(await jetstreamManager(nc), prefix);
  } finally {
    await nc.close();
  }
}

describe.skipIf(!up)('history service (NATS JetStream to PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    await migrateDatabase(db.url);
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('stores 5,000 events exactly once although it is killed (SIGKILL) while they are published', async () => {
    const prefix = uniquePrefix('hist');
    const core = await NatsBus.connect({ servers: [natsUrl], prefix, nodeId: asNodeId('publisher') });
    const bus = await JetStreamBus.open(core, { prefix, policy, ttlSeconds: 600 });
    const store = await PrismaHistoryStore.open({ url: db.url });
    const history = await historyProcess(prefix, db.url);
    const app = asAppId('history-app');
    const channels = ['c0', 'c1', 'c2', 'c3', 'c4'].map(asChannelName);
    const count = async (): Promise<number> => {
      let n = 0;
      for (const channel of channels) n += (await store.read(app, channel, { limit: 1000 })).items.length;
      return n;
    };
    try {
      await history.start();
      const published = new Map<string, number[]>();
      let killed = false;
      for (let i = 0; i < 5000; i++) {
        const channel = channels[i % channels.length]!;
        const frame = JSON.stringify({ event: 'tick', channel, data: JSON.stringify({ i }) });
        const { serial } = await bus.publish(app, channel, { frame, sequenced: true, id: `m-${i}` });
        published.set(channel, [...(published.get(channel) ?? []), serial!]);
        if (!killed && i >= 1500 && i % 100 === 0 && (await count()) > 0) {
          await history.kill('SIGKILL');
          killed = true;
        }
      }
      expect(killed).toBe(true);
      const storedWhileDown = await count();
      expect(storedWhileDown).toBeLessThan(5000);
      await history.start();
      await waitFor(async () => (await count()) >= 5000, 180_000, 'all 5,000 events stored');
      for (const channel of channels) {
        const page = await store.read(app, channel, { limit: 1000, direction: 'oldest_first' });
        expect(page.has_more).toBe(false);
        expect(page.items.map((m) => m.serial)).toEqual(published.get(channel));
        expect(page.items.every((m) => m.stream_id === bus.streamId && m.event === 'tick')).toBe(true);
      }
      expect(await count()).toBe(5000);
    } finally {
      await history.kill();
      await store.close();
      const { jetstreamManager } = await import('@nats-io/jetstream');
      await (await jetstreamManager(core.connection)).streams.delete(`${prefix}_channels`).catch(() => false);
      await deleteHistoryStreams(await jetstreamManager(core.connection), prefix);
      await bus.close();
    }
  }, 300_000);

  it('stores every event published while it was stopped longer than the hot buffer keeps them, once and in order', async () => {
    const prefix = uniquePrefix('hist');
    const core = await NatsBus.connect({ servers: [natsUrl], prefix, nodeId: asNodeId('publisher') });
    // the hot buffer: 20 events per channel for 2 seconds
    const hot = (): RecoveryConfig => ({ enabled: true, buffer_size: 20, max_buffer_bytes: 1 << 20, ttl_seconds: 2, max_total_bytes: 1 << 24, stream_max_bytes: 1 << 30 });
    const bus = await JetStreamBus.open(core, { prefix, policy: hot, ttlSeconds: 2 });
    const store = await PrismaHistoryStore.open({ url: db.url });
    const history = await historyProcess(prefix, db.url);
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const jsm = await jetstreamManager(core.connection);
    const app = asAppId('history-downtime');
    const channels = ['d0', 'd1', 'd2'].map(asChannelName);
    const published = new Map<string, number[]>();
    const publish = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i++) {
        const channel = channels[i % channels.length]!;
        const frame = JSON.stringify({ event: 'tick', channel, data: JSON.stringify({ i }) });
        const { serial } = await bus.publish(app, channel, { frame, sequenced: true, id: `d-${i}` });
        published.set(channel, [...(published.get(channel) ?? []), serial!]);
      }
    };
    const count = async (): Promise<number> => {
      let n = 0;
      for (const channel of channels) n += (await store.read(app, channel, { limit: 1000 })).items.length;
      return n;
    };
    try {
      await history.start();
      await publish(0, 30);
      await waitFor(async () => (await count()) === 30, 60_000, 'the first 30 events stored');
      await history.kill('SIGTERM');
      await publish(30, 630);
      const firstMissed = Math.min(...channels.map((c) => published.get(c)![10]!));
      // the hot buffer lets go of what the stopped service has not read: by count at once, the rest by age
      await waitFor(async () => (await jsm.streams.info(`${prefix}_channels`)).state.messages === 0, 30_000, 'the channel stream to drop every event');
      expect(serialOf((await jsm.streams.info(`${prefix}_channels`)).state.first_seq, 0)).toBeGreaterThan(firstMissed);
      expect(await count()).toBe(30);
      await history.start();
      await waitFor(async () => (await count()) >= 630, 120_000, 'all 630 events stored');
      for (const channel of channels) {
        const page = await store.read(app, channel, { limit: 1000, direction: 'oldest_first' });
        expect(page.items.map((m) => m.serial)).toEqual(published.get(channel));
        expect(page.items.map((m) => (JSON.parse(m.data) as { i: number }).i)).toEqual([...Array(630).keys()].filter((i) => i % channels.length === channels.indexOf(channel)));
        expect(page.items.every((m) => m.stream_id === bus.streamId)).toBe(true);
      }
      expect(await count()).toBe(630);
      // stored events leave the history stream (a work queue)
      await waitFor(async () => (await jsm.streams.info(historyStreamName(prefix, bus.streamId))).state.messages === 0, 30_000, 'the history stream to be drained');
    } finally {
      await history.kill();
      await store.close();
      await jsm.streams.delete(`${prefix}_channels`).catch(() => false);
      await deleteHistoryStreams(jsm, prefix);
      await bus.close();
    }
  }, 300_000);

  it('refuses to start against a database without the migrations, naming npm run db:migrate', async () => {
    const bare = await createPostgresDatabase();
    const history = await historyProcess(uniquePrefix('hist'), bare.url);
    try {
      await expect(history.start()).rejects.toThrow(/exited/);
      expect(history.logs.join('\n')).toMatch(/npm run db:migrate/);
    } finally {
      await history.kill();
      await bare.drop();
    }
  }, 120_000);
  it('serves what the history service stored through the api (reading it over gRPC with the shared token), to the pusher SDK\'s signed get; a reader without the token is refused', async () => {
    const grpcPort = await freePort();
    const token = { HISTORY_GRPC_TOKEN: 'history-shared-token-for-this-test' };
    const cluster = await startCluster({ gateways: 1, env: token, config: { database: { url: db.url }, recovery: { enabled: true, buffer_size: 1000 }, history: { enabled: true, grpc_url: `127.0.0.1:${grpcPort}` } } });
    const history = await historyProcess(cluster.nats.prefix, db.url, grpcPort, token);
    try {
      await history.start();
      const sdk = apiClient(cluster.apiEndpoint);
      for (let i = 0; i < 300; i++) await sdk.trigger('feed', 'tick', { i });
      type Page = { items: Array<{ data: string; serial: number }>; next_cursor: string | null; has_more: boolean; direction: string; limit: number };
      const walk = async (direction: string): Promise<number[]> => {
        const seen: number[] = [];
        let cursor: string | null = null;
        do {
          const res = await sdk.get({ path: '/channels/feed/history', params: { direction, limit: '70', ...(cursor !== null ? { cursor } : {}) } });
          const page = (await res.json()) as Page;
          seen.push(...page.items.map((m) => (JSON.parse(m.data) as { i: number }).i));
          cursor = page.next_cursor;
        } while (cursor !== null);
        return seen;
      };
      await waitFor(async () => (await walk('oldest_first')).length === 300, 120_000, 'the api to serve all 300 events');
      const all = Array.from({ length: 300 }, (_, k) => k);
      expect(await walk('oldest_first')).toEqual(all);
      expect(await walk('newest_first')).toEqual([...all].reverse());
      const first = (await (await sdk.get({ path: '/channels/feed/history', params: {} })).json()) as Page;
      expect(first).toMatchObject({ direction: 'newest_first', limit: 100, has_more: true });
      for (const wrong of [undefined, 'another-token']) {
        const intruder = new GrpcHistoryReader({ url: `127.0.0.1:${grpcPort}`, deadlineMs: 10_000, ...(wrong === undefined ? {} : { token: wrong }) });
        try {
          await expect(intruder.read(asAppId(cluster.app.id), asChannelName('feed'))).rejects.toThrow(/missing or wrong token \(history.grpc_token\)/);
        } finally {
          intruder.close();
        }
      }
    } finally {
      await history.kill();
      await cluster.stop();
      await deleteHistoryStream(cluster.nats.prefix);
    }
  }, 300_000);
  it('resumes a client that was away longer than the gateway buffer with every missed event, from the history service', async () => {
    const grpcPort = await freePort();
    const cluster = await startCluster({ gateways: 1, config: { database: { url: db.url }, recovery: { enabled: true, buffer_size: 5 }, history: { enabled: true, grpc_url: `127.0.0.1:${grpcPort}` } } });
    const history = await historyProcess(cluster.nats.prefix, db.url, grpcPort);
    const channel = 'away';
    type V2Frame = RawFrame & { serial?: number; stream_id?: string };
    const numbers = (frames: RawFrame[]): number[] => frames.filter((f) => f.channel === channel && f.event === 'n').map((f) => (JSON.parse(f.data!) as { n: number }).n);
    try {
      await history.start();
      const sdk = apiClient(cluster.apiEndpoint);
      const stored = async (): Promise<number> => ((await (await sdk.get({ path: `/channels/${channel}/history`, params: { limit: '1000' } })).json()) as { items: unknown[] }).items.length;
      const gateway = cluster.gateway(0);
      const first = await rawClient(gateway, `/app/${cluster.app.key}?protocol=2`);
      await first.event('sockudo:connection_established');
      first.send({ event: 'sockudo:subscribe', data: { channel } });
      await first.event('sockudo_internal:subscription_succeeded', channel);
      await sdk.trigger(channel, 'n', { n: 1 });
      const last = (await first.waitFrame((f) => f.channel === channel && f.event === 'n')) as V2Frame;
      first.close();
      // why: the stream keeps 5 events per channel (the buffer); history must have each chunk before it is pushed out.
      for (let from = 2; from <= 30; from += 5) {
        for (let n = from; n < from + 5 && n <= 30; n++) await sdk.trigger(channel, 'n', { n });
        const want = Math.min(from + 4, 30);
        await waitFor(async () => (await stored()) === want, 60_000, `history to hold ${want} events`);
      }
      const again = await rawClient(gateway, `/app/${cluster.app.key}?protocol=2`);
      await again.event('sockudo:connection_established');
      again.send({ event: 'sockudo:subscribe', data: { channel } });
      await again.event('sockudo_internal:subscription_succeeded', channel);
      again.send({ event: 'sockudo:resume', data: { channel_positions: { [channel]: { serial: last.serial, stream_id: last.stream_id } } } });
      const success = JSON.parse((await again.event('sockudo:resume_success')).data!) as { recovered: Array<{ replayed: number }>; failed: unknown[] };
      expect(success.failed).toEqual([]);
      expect(numbers(again.frames)).toEqual(Array.from({ length: 29 }, (_, i) => i + 2));
      again.close();
    } finally {
      await history.kill();
      await cluster.stop();
      await deleteHistoryStream(cluster.nats.prefix);
    }
  }, 300_000);
});
