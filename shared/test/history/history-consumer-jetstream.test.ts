import { describe, expect, it } from 'vitest';
import { asAppId, asChannelName, asNodeId, MemoryHistoryStore, type ChannelMessage, type RecoveryConfig } from '@sockudo-ts/shared';
import { historyStreamName, JetStreamBus, JetStreamHistoryConsumer, NatsBus, serialOf } from '@sockudo-ts/shared/implementations';
import { NATS, servicesUp, uniquePrefix } from '../../../tests/kit/services.js';
import { waitFor } from '../../../tests/kit/clients.js';
import { deleteHistoryStreams } from '../../../tests/kit/jetstream.js';

const up = await servicesUp('JetStreamHistoryConsumer', NATS);
const url = `nats://${NATS.host}:${NATS.port}`;
const policy = (): RecoveryConfig => ({ enabled: true, buffer_size: 5000, max_buffer_bytes: 1 << 20, ttl_seconds: 600, max_total_bytes: 1 << 28, stream_max_bytes: 1 << 30 });

/** CrashOnce stores like the memory store but fails once after writing a batch: a replica killed between write and ack. */
class CrashOnce extends MemoryHistoryStore {
  crashed = false;
  override async append(messages: readonly ChannelMessage[]): Promise<number> {
    const stored = await super.append(messages);
    if (!this.crashed && messages.length > 0) {
      this.crashed = true;
      throw new Error('killed before acknowledging');
    }
    return stored;
  }
}

/**
 * restartFixture is a publisher on a fresh prefix with the history consumer into a memory store, for the tests
 * that lose streams: `reopen` opens the channel stream again from a second connection (as a restarted api would),
 * `publish(from, to)` sends events `from`..`to - 1` (data: their number) and returns their serials.
 */
async function restartFixture(appName: string, channelName: string) {
  const prefix = uniquePrefix('hist');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const core = await NatsBus.connect({ servers: [url], prefix, nodeId: asNodeId('pub') });
  const core2 = await NatsBus.connect({ servers: [url], prefix, nodeId: asNodeId('pub-2') });
  const jsm = await jetstreamManager(core.connection);
  const open = (via: NatsBus) => JetStreamBus.open(via, { prefix, policy, ttlSeconds: 600 });
  const app = asAppId(appName);
  const channel = asChannelName(channelName);
  const store = new MemoryHistoryStore();
  const consumer = new JetStreamHistoryConsumer(core.connection, { prefix, store, batchSize: 50 });
  const f = {
    prefix,
    jsm,
    app,
    channel,
    store,
    consumer,
    bus: await open(core),
    async reopen(): Promise<void> {
      f.bus = await open(core2);
    },
    async publish(from: number, to: number): Promise<number[]> {
      const serials: number[] = [];
      for (let i = from; i < to; i++) serials.push((await f.bus.publish(app, channel, { frame: JSON.stringify({ event: 'tick', channel, data: String(i) }), sequenced: true })).serial!);
      return serials;
    },
    async close(): Promise<void> {
      await consumer.stop();
      await jsm.streams.delete(`${prefix}_channels`).catch(() => false);
      await deleteHistoryStreams(jsm, prefix);
      await f.bus.close();
      await core2.close();
      await core.close();
    },
  };
  return f;
}

describe.skipIf(!up)('JetStreamHistoryConsumer', () => {
  it('stores every event of the channel stream exactly once, also when a batch was written but never acknowledged', async () => {
    const prefix = uniquePrefix('hist');
    const core = await NatsBus.connect({ servers: [url], prefix, nodeId: asNodeId('pub') });
    const bus = await JetStreamBus.open(core, { prefix, policy, ttlSeconds: 600 });
    const app = asAppId('app-h');
    const channels = ['a', 'b', 'c', 'd'].map(asChannelName);
    const store = new CrashOnce();
    let duplicates = 0;
    const consumer = new JetStreamHistoryConsumer(core.connection, { prefix, store, batchSize: 200, maxWaitMs: 200, onStored: (_s, d) => (duplicates += d) });
    try {
      consumer.start();
      const published = new Map<string, number[]>();
      for (let i = 0; i < 2000; i++) {
        const channel = channels[i % channels.length]!;
        const frame = JSON.stringify({ event: 'tick', channel, data: JSON.stringify({ i }) });
        const { serial } = await bus.publish(app, channel, { frame, sequenced: true, id: `msg-${i}` });
        published.set(channel, [...(published.get(channel) ?? []), serial!]);
      }
      const count = async (): Promise<number> => {
        let n = 0;
        for (const channel of channels) n += (await store.read(app, channel, { limit: 1000 })).items.length;
        return n;
      };
      // why: the crashed batch comes back after the consumer's ack wait (10 s).
      await waitFor(async () => (await count()) === 2000 && duplicates > 0, 60_000, 'every event stored');
      expect(store.crashed).toBe(true);
      for (const channel of channels) {
        const page = await store.read(app, channel, { limit: 1000, direction: 'oldest_first' });
        expect(page.items.map((m) => m.serial)).toEqual(published.get(channel));
        expect(page.items[0]).toMatchObject({ stream_id: bus.streamId, event: 'tick', message_id: expect.stringMatching(/^msg-/) });
        expect(JSON.parse(page.items[0]!.data)).toEqual({ i: channels.indexOf(channel) });
      }
    } finally {
      await consumer.stop();
      const { jetstreamManager } = await import('@nats-io/jetstream');
      await (await jetstreamManager(core.connection)).streams.delete(`${prefix}_channels`).catch(() => false);
      await deleteHistoryStreams(await jetstreamManager(core.connection), prefix);
      await bus.close();
    }
  }, 120_000);

  it('starts over on the streams NATS creates again after losing them, storing the new stream\'s events under its id', async () => {
    const f = await restartFixture('app-lost', 'lost');
    const { app, channel, store } = f;
    try {
      f.consumer.start();
      const before = await f.publish(0, 20);
      const oldId = f.bus.streamId;
      await waitFor(async () => (await store.read(app, channel)).items.length === 20, 60_000, 'the first 20 events stored');
      // NATS loses both streams (a restart without its store); the publishers create the channel stream again
      await f.jsm.streams.delete(`${f.prefix}_channels`);
      await deleteHistoryStreams(f.jsm, f.prefix);
      await f.reopen();
      expect(f.bus.streamId).not.toBe(oldId);
      const after = await f.publish(20, 40);
      expect(after[0]).toBe(serialOf(1, 0));
      await waitFor(async () => (await store.read(app, channel)).items.length === 20 && (await store.read(app, channel)).items[0]!.stream_id === f.bus.streamId, 60_000, 'the new stream stored');
      const page = await store.read(app, channel, { direction: 'oldest_first' });
      expect(page.items.map((m) => [m.serial, m.data])).toEqual(after.map((serial, k) => [serial, String(20 + k)]));
      expect((await store.read(app, channel, { stream_id: oldId, direction: 'oldest_first' })).items.map((m) => m.serial)).toEqual(before);
    } finally {
      await f.close();
    }
  }, 120_000);

  it('moves to a history stream of its own when only the channel stream is created again, missing none of its first events', async () => {
    const f = await restartFixture('app-again', 'again');
    const { app, channel, store } = f;
    try {
      f.consumer.start();
      const before = await f.publish(0, 30);
      const oldId = f.bus.streamId;
      await waitFor(async () => (await store.read(app, channel)).items.length === 30, 60_000, 'the first 30 events stored');
      // the channel stream alone is lost and created again (serials from 1); its history stream survives
      await f.jsm.streams.delete(`${f.prefix}_channels`);
      await f.reopen();
      const after = await f.publish(30, 80);
      expect(after[0]).toBe(serialOf(1, 0));
      await waitFor(async () => (await store.read(app, channel, { stream_id: f.bus.streamId, limit: 1000 })).items.length >= 50, 60_000, 'the new stream stored');
      const page = await store.read(app, channel, { direction: 'oldest_first', limit: 1000 });
      expect(page.items.every((m) => m.stream_id === f.bus.streamId)).toBe(true);
      expect(page.items.map((m) => [m.serial, m.data])).toEqual(after.map((serial, k) => [serial, String(30 + k)]));
      // why: until the consumer notices the new channel stream (within a second), the old history stream may copy some
      // of its events too; those land after the old stream's own, so its first 30 are checked.
      const old = await store.read(app, channel, { stream_id: oldId, direction: 'oldest_first', limit: 1000 });
      expect(old.items.slice(0, 30).map((m) => [m.serial, m.data])).toEqual(before.map((serial, k) => [serial, String(k)]));
      // the old history stream is emptied and deleted
      await waitFor(async () => (await f.jsm.streams.info(historyStreamName(f.prefix, oldId)).then(() => false, () => true)), 30_000, 'the old history stream deleted');
    } finally {
      await f.close();
    }
  }, 120_000);
});
