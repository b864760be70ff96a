import { describe, expect, it } from 'vitest';
import { MemoryRecoveryLog, asAppId, asChannelName, asNodeId, type AppId, type Bus, type BusMessage, type RecoveryConfig, type RecoveryPolicy, type StreamPosition } from '@sockudo-ts/shared';
import { JetStreamBus, NatsBus } from '@sockudo-ts/shared/implementations';
import { SERIALS_PER_MESSAGE, ackedSequence, serialOf } from '../../src/bus/bus-jetstream.js';
import { encodeChannelBatch, encodeChannelMessage } from '../../src/bus/envelope.js';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { NATS, servicesUp, uniquePrefix } from '../../../tests/kit/services.js';
import { startTcpProxy } from '../../../tests/kit/tcp-proxy.js';
import { waitFor } from '../../../tests/kit/clients.js';
import { describeBusContract } from './bus-contract.js';

const up = await servicesUp('JetStreamBus', NATS);
const url = `nats://${NATS.host}:${NATS.port}`;
const policy = (): RecoveryConfig => ({ enabled: true, buffer_size: 1000, max_buffer_bytes: 1 << 20, ttl_seconds: 120, max_total_bytes: 1 << 28, stream_max_bytes: 1 << 30 });

async function open(prefix: string, node: string, servers = [url], appPolicy: RecoveryPolicy = policy): Promise<JetStreamBus> {
  const core = await NatsBus.connect({ servers, prefix, nodeId: asNodeId(node) });
  return JetStreamBus.open(core, { prefix, policy: appPolicy, ttlSeconds: 120 });
}

/** countGets counts the bus's direct gets from now on. */
function countGets(bus: JetStreamBus): { gets: number } {
  const direct = (bus as unknown as { jsm: { direct: { getMessage: (...args: unknown[]) => Promise<unknown> } } }).jsm.direct;
  const get = direct.getMessage.bind(direct);
  const counter = { gets: 0 };
  direct.getMessage = (...args) => (counter.gets++, get(...args));
  return counter;
}

/** small is an app whose own buffer (5 events, 1 KiB) is smaller than the server's. */
const small = asAppId('small');
const perApp = (appId: AppId): RecoveryConfig => (appId === small ? { ...policy(), buffer_size: 5, max_buffer_bytes: 1024 } : policy());
const frameOf = (n: number, size = 10): string => String(n).padEnd(size, '.');

async function dropStream(bus: JetStreamBus, prefix: string): Promise<void> {
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const jsm = await jetstreamManager((bus as unknown as { core: NatsBus }).core.connection);
  await jsm.streams.delete(`${prefix}_channels`).catch(() => false);
}

/** Pair is a publisher and a subscriber under a prefix of their own; close drops their stream and closes both. */
interface Pair {
  prefix: string;
  publisher: JetStreamBus;
  subscriber: JetStreamBus;
  close(): Promise<void>;
}

/** openPair opens a publisher and a subscriber (through `subscriberServers`, the machine's NATS by default). */
async function openPair(subscriberServers?: string[]): Promise<Pair> {
  const prefix = uniquePrefix('jsb');
  const publisher = await open(prefix, 'pub');
  const subscriber = await open(prefix, 'sub', subscriberServers);
  return {
    prefix,
    publisher,
    subscriber,
    close: async () => {
      await dropStream(publisher, prefix);
      await Promise.all([publisher.close(), subscriber.close()]);
    },
  };
}

/** sequencedView makes every publish ask for a serial and hides serials from handlers (for the contract). */
function sequencedView(bus: JetStreamBus): Bus {
  return {
    publish: (app, channel, message) => bus.publish(app, channel, { ...message, sequenced: true }),
    subscribe: (app, channel, handler) =>
      bus.subscribe(app, channel, (m) => {
        const { serial: _s, streamId: _id, ...rest } = m;
        handler(rest);
      }),
    publishControl: (m) => bus.publishControl(m),
    onControl: (h) => bus.onControl(h),
    close: () => bus.close(),
  };
}

describe.skipIf(!up)('JetStreamBus', () => {
  describeBusContract('JetStreamBus (sequenced)', async () => {
    const prefix = uniquePrefix('jsb');
    const a = await open(prefix, 'node-a');
    const b = await open(prefix, 'node-b');
    return { nodes: [sequencedView(a), sequencedView(b)], close: async () => (await dropStream(a, prefix), void (await Promise.all([a.close(), b.close()]))) };
  });

  it('gives each event a serial of one stream and delivers what a cut-off subscriber missed, in order, once it is back', async () => {
    const app = asAppId('app1');
    const channel = asChannelName('feed');
    const proxy = await startTcpProxy(NATS.host, NATS.port);
    const { prefix, publisher, subscriber, close } = await openPair([`nats://127.0.0.1:${proxy.port}`]);
    const got: BusMessage[] = [];
    try {
      await subscriber.subscribe(app, channel, (m) => got.push(m));
      const first = await publisher.publish(app, channel, { frame: '1', sequenced: true });
      expect(first).toEqual({ serial: expect.any(Number), streamId: publisher.streamId });
      expect(subscriber.streamId).toBe(publisher.streamId);
      await waitFor(() => got.length === 1, 3000, 'the first event');
      await proxy.down();
      for (let n = 2; n <= 6; n++) await publisher.publish(app, channel, { frame: String(n), sequenced: true });
      await proxy.up();
      await waitFor(() => got.length >= 6, 10_000, 'the missed events after the reconnect');
      await publisher.publish(app, channel, { frame: '7', sequenced: true });
      await waitFor(() => got.length >= 7, 3000, 'a live event after the catch-up');
      expect(got.map((m) => m.frame)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
      const serials = got.map((m) => m.serial!);
      expect(serials.every((s, i) => i === 0 || s > serials[i - 1]!)).toBe(true);
      const read = await subscriber.readAfter(app, channel, { serial: serials[1]!, streamId: publisher.streamId });
      expect(read.ok && read.messages.map((m) => m.frame)).toEqual(['3', '4', '5', '6', '7']);
      const rewound = await subscriber.rewind(app, channel, { count: 2 });
      expect(rewound.messages.map((m) => m.frame)).toEqual(['6', '7']);
    } finally {
      await close();
      await proxy.close();
    }
  });

  it('stores a retried idempotent publish (same message id) once: the retry gets the first serial and nothing is delivered twice', async () => {
    const app = asAppId('app1');
    const channel = asChannelName('feed');
    const { prefix, publisher, subscriber, close } = await openPair();
    const got: BusMessage[] = [];
    try {
      await subscriber.subscribe(app, channel, (m) => got.push(m));
      const first = await publisher.publish(app, channel, { frame: 'a', id: 'retried-1', dedupe: true, sequenced: true });
      const retry = await publisher.publish(app, channel, { frame: 'a', id: 'retried-1', dedupe: true, sequenced: true });
      expect(retry).toEqual(first);
      await publisher.publish(app, channel, { frame: 'b', sequenced: true });
      await waitFor(() => got.length >= 2, 3000, 'the stored events');
      expect(got.map((m) => [m.frame, m.id])).toEqual([['a', 'retried-1'], ['b', expect.any(String)]]);
    } finally {
      await close();
    }
  });

  it('stores events without headers (a retried publish keeps its id header); messages stored in the header form still deliver, resume and rewind', async () => {
    const app = asAppId('app1');
    const channel = asChannelName('feed');
    const { prefix, publisher, subscriber, close } = await openPair();
    const got: BusMessage[] = [];
    const { jetstreamManager, jetstream } = await import('@nats-io/jetstream');
    const nc = (publisher as unknown as { core: NatsBus }).core.connection;
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const subject = `${prefix}.log.app1.feed`;
    /** storeOld stores an envelope as a node from before bare batches did: with its headers. */
    const storeOld = async (envelope: { headers: Record<string, string>; payload: Uint8Array }): Promise<void> => {
      const h = natsHeaders();
      for (const name in envelope.headers) h.append(name, envelope.headers[name]!);
      await js.publish(subject, envelope.payload, { headers: h });
    };
    try {
      await subscriber.subscribe(app, channel, (m) => got.push(m));
      const bare = await publisher.publish(app, channel, { frame: '1', id: 'm1', sequenced: true });
      await storeOld(encodeChannelMessage('old-node', { frame: '2', id: 'm2' }));
      await storeOld(encodeChannelBatch('old-node', [{ frame: '3', id: 'm3' }, { frame: '4', id: 'm4' }]));
      const retried = await publisher.publish(app, channel, { frame: '5', id: 'm5', dedupe: true, sequenced: true });
      await Promise.all([6, 7].map((n) => publisher.publish(app, channel, { frame: String(n), id: `m${n}`, sequenced: true })));
      const frames = ['1', '2', '3', '4', '5', '6', '7'];
      await waitFor(() => got.length >= frames.length, 5000, 'every stored event');
      expect(got.map((m) => [m.frame, m.id])).toEqual(frames.map((f) => [f, `m${f}`]));
      const stream = `${prefix}_channels`;
      const storedBare = await jsm.direct.getMessage(stream, { seq: Math.floor(bare.serial! / SERIALS_PER_MESSAGE) });
      // the direct get adds the stream's own Nats-* headers; the stored message brought none
      expect((storedBare?.header?.keys() ?? []).filter((name) => !name.startsWith('Nats-'))).toEqual([]);
      expect(storedBare?.header?.get('Nats-Msg-Id')).toBe('');
      const storedRetried = await jsm.direct.getMessage(stream, { seq: Math.floor(retried.serial! / SERIALS_PER_MESSAGE) });
      expect(storedRetried?.header?.get('Nats-Msg-Id')).toBe('m5');
      const read = await subscriber.readAfter(app, channel, { serial: bare.serial!, streamId: publisher.streamId });
      expect(read.ok && read.messages.map((m) => [m.frame, m.messageId])).toEqual(frames.slice(1).map((f) => [f, `m${f}`]));
      const rewound = await subscriber.rewind(app, channel, { count: 7 });
      expect(rewound.messages.map((m) => m.frame)).toEqual(frames);
    } finally {
      await close();
    }
  });

  it('gives many publishes in flight at once serials in publish order per channel and delivers them in that order', async () => {
    const app = asAppId('app1');
    const channels = [asChannelName('one'), asChannelName('two')];
    const { prefix, publisher, subscriber, close } = await openPair();
    const got = new Map<string, BusMessage[]>(channels.map((c) => [c, []]));
    try {
      for (const c of channels) await subscriber.subscribe(app, c, (m) => got.get(c)!.push(m));
      const count = 500;
      const positions = await Promise.all(Array.from({ length: count }, (_, n) => publisher.publish(app, channels[n % 2]!, { frame: String(n), sequenced: true })));
      const serials = positions.map((p) => p.serial!);
      for (const k of [0, 1]) {
        const mine = serials.filter((_, n) => n % 2 === k);
        expect(mine.every((s, i) => i === 0 || s > mine[i - 1]!)).toBe(true);
      }
      // published in one turn of the event loop, each channel's events were stored as a few batches
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const jsm = await jetstreamManager((publisher as unknown as { core: NatsBus }).core.connection);
      expect((await jsm.streams.info(`${prefix}_channels`)).state.messages).toBeLessThan(count / 10);
      // a resume from the middle of a batch gets the rest of it and everything after, once each
      const from = serials[101]!;
      const read = await subscriber.readAfter(app, channels[1]!, { serial: from, streamId: publisher.streamId });
      expect(read.ok && read.messages.map((m) => Number(m.frame))).toEqual(Array.from({ length: count / 2 - 51 }, (_, i) => 103 + 2 * i));
      const rewound = await subscriber.rewind(app, channels[0]!, { count: 3 });
      expect(rewound.messages.map((m) => Number(m.frame))).toEqual([count - 6, count - 4, count - 2]);
      await waitFor(() => got.get(channels[0]!)!.length + got.get(channels[1]!)!.length === count, 10_000, 'every event');
      for (const [k, c] of channels.entries()) {
        const frames = got.get(c)!.map((m) => Number(m.frame));
        expect(frames).toEqual(Array.from({ length: count / 2 }, (_, i) => 2 * i + k));
        expect(got.get(c)!.map((m) => m.serial)).toEqual(frames.map((n) => serials[n]));
      }
    } finally {
      await close();
    }
  });

  it('holds the next events of a channel with a store in flight and stores them together, in publish order; other channels wait for nothing', async () => {
    const app = asAppId('app1');
    const [busy, idle] = [asChannelName('busy'), asChannelName('idle')];
    const { prefix, publisher, subscriber, close } = await openPair();
    const got: BusMessage[] = [];
    // why: the first store's acknowledgement is held here, so "in flight" lasts as long as the test needs.
    const acks = (publisher as unknown as { acks: { publish: (...args: unknown[]) => Promise<number> } }).acks;
    const send = acks.publish.bind(acks);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    acks.publish = (...args) => {
      const answer = send(...args);
      if (!first) return answer;
      first = false;
      return held.then(() => answer);
    };
    const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    try {
      await subscriber.subscribe(app, busy, (m) => got.push(m));
      const a = publisher.publish(app, busy, { frame: 'a', sequenced: true });
      await nextTurn();
      const b = publisher.publish(app, busy, { frame: 'b', sequenced: true });
      await nextTurn();
      const c = publisher.publish(app, busy, { frame: 'c', sequenced: true });
      await nextTurn();
      const other = await publisher.publish(app, idle, { frame: 'x', sequenced: true });
      expect(other.serial).toBeGreaterThan(0);
      const d = publisher.publish(app, busy, { frame: 'd', id: 'once-d', dedupe: true, sequenced: true });
      await nextTurn();
      const e = publisher.publish(app, busy, { frame: 'e', sequenced: true });
      await nextTurn();
      release();
      const serials = (await Promise.all([a, b, c, d, e])).map((p) => p.serial!);
      expect(serials.every((s, i) => i === 0 || s > serials[i - 1]!)).toBe(true);
      // b and c, published one turn apart while a was in flight, are one stored message; d is stored alone
      expect(Math.floor(serials[1]! / SERIALS_PER_MESSAGE)).toBe(Math.floor(serials[2]! / SERIALS_PER_MESSAGE));
      expect(serials[2]! - serials[1]!).toBe(1);
      await waitFor(() => got.length >= 5, 5000, 'every event of the busy channel');
      expect(got.map((m) => [m.frame, m.serial])).toEqual(['a', 'b', 'c', 'd', 'e'].map((f, i) => [f, serials[i]]));
    } finally {
      await close();
    }
  });

  it('splits a burst of large events into several stored messages, each under the size budget, and loses none', async () => {
    const app = asAppId('app1');
    const channel = asChannelName('big');
    const { prefix, publisher, subscriber, close } = await openPair();
    const got: BusMessage[] = [];
    try {
      await subscriber.subscribe(app, channel, (m) => got.push(m));
      const big = (n: number): string => `${n}:${'"x"'.repeat(10_000)}`;
      const positions = await Promise.all(Array.from({ length: 40 }, (_, n) => publisher.publish(app, channel, { frame: big(n), sequenced: true })));
      await waitFor(() => got.length === 40, 10_000, 'every large event');
      expect(got.map((m) => m.frame)).toEqual(Array.from({ length: 40 }, (_, n) => big(n)));
      const stored = new Set(positions.map((p) => Math.floor(p.serial! / SERIALS_PER_MESSAGE)));
      expect(stored.size).toBeGreaterThanOrEqual(4);
    } finally {
      await close();
    }
  });

  it('delivers batches a cut-off subscriber missed, and a live batch after them, every event once and in order', async () => {
    const app = asAppId('app1');
    const channel = asChannelName('feed');
    const proxy = await startTcpProxy(NATS.host, NATS.port);
    const { prefix, publisher, subscriber, close } = await openPair([`nats://127.0.0.1:${proxy.port}`]);
    const got: BusMessage[] = [];
    const burst = (from: number): Promise<unknown> => Promise.all(Array.from({ length: 100 }, (_, i) => publisher.publish(app, channel, { frame: String(from + i), sequenced: true })));
    try {
      await subscriber.subscribe(app, channel, (m) => got.push(m));
      await burst(0);
      await waitFor(() => got.length === 100, 5000, 'the first burst');
      await proxy.down();
      await burst(100);
      await burst(200);
      await proxy.up();
      await waitFor(() => got.length >= 300, 10_000, 'the missed bursts after the reconnect');
      await burst(300);
      await waitFor(() => got.length >= 400, 5000, 'a live burst after the catch-up');
      expect(got.map((m) => Number(m.frame))).toEqual(Array.from({ length: 400 }, (_, i) => i));
      const serials = got.map((m) => m.serial!);
      expect(serials.every((s, i) => i === 0 || s > serials[i - 1]!)).toBe(true);
    } finally {
      await close();
      await proxy.close();
    }
  });

  it('applies each app\'s own buffer when reading: resume and rewind agree with the embedded log on the visible events', async () => {
    const prefix = uniquePrefix('jsb');
    const bus = await open(prefix, 'pub', [url], perApp);
    const memory = new MemoryRecoveryLog(perApp);
    const channel = asChannelName('feed');
    const jsSerials = new Map<string, StreamPosition[]>();
    const memSerials = new Map<string, StreamPosition[]>();
    try {
      for (const app of [small, asAppId('big')]) {
        jsSerials.set(app, []);
        memSerials.set(app, []);
        for (let n = 1; n <= 10; n++) {
          jsSerials.get(app)!.push((await bus.publish(app, channel, { frame: frameOf(n), sequenced: true })) as StreamPosition);
          memSerials.get(app)!.push(memory.append(app, channel, frameOf(n)));
        }
      }
      const readers = [
        { reader: bus, serials: jsSerials },
        { reader: memory, serials: memSerials },
      ];
      const seen: unknown[] = [];
      for (const { reader, serials } of readers) {
        const at = async (app: AppId, n: number): Promise<unknown> => {
          const read = await reader.readAfter(app, channel, serials.get(app)![n - 1]!);
          return read.ok ? read.messages.map((m) => m.frame) : read.code + ' ' + read.reason;
        };
        const rewind = async (app: AppId, count: number): Promise<unknown> => {
          const read = await reader.rewind(app, channel, { count });
          return [read.messages.map((m) => m.frame), read.truncated];
        };
        seen.push([await at(small, 2), await at(small, 5), await rewind(small, 10), await rewind(small, 3), await at(asAppId('big'), 2), await rewind(asAppId('big'), 10)]);
      }
      expect(seen[0]).toEqual([
        'position_expired recovery_window_exceeded',
        [6, 7, 8, 9, 10].map((n) => frameOf(n)),
        [[6, 7, 8, 9, 10].map((n) => frameOf(n)), true],
        [[8, 9, 10].map((n) => frameOf(n)), false],
        [3, 4, 5, 6, 7, 8, 9, 10].map((n) => frameOf(n)),
        [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => frameOf(n)), false],
      ]);
      expect(seen[1]).toEqual(seen[0]);
    } finally {
      memory.close();
      await dropStream(bus, prefix);
      await bus.close();
    }
  });

  it('bounds a resume by the app\'s buffer bytes too, and stops reading one event past the buffer', async () => {
    const prefix = uniquePrefix('jsb');
    const bus = await open(prefix, 'pub', [url], perApp);
    const channel = asChannelName('feed');
    try {
      const serials: number[] = [];
      for (let n = 1; n <= 40; n++) serials.push((await bus.publish(small, channel, { frame: frameOf(n, 300), sequenced: true })).serial!);
      // 3 events of 300 bytes fit in the 1 KiB buffer, 4 do not
      const fits = await bus.readAfter(small, channel, { serial: serials[36]!, streamId: bus.streamId });
      expect(fits.ok && fits.messages.map((m) => m.frame)).toEqual([38, 39, 40].map((n) => frameOf(n, 300)));
      const counter = countGets(bus);
      expect(await bus.readAfter(small, channel, { serial: serials[0]!, streamId: bus.streamId })).toMatchObject({ ok: false, code: 'position_expired', reason: 'recovery_window_exceeded' });
      // two gets check the position, then at most the buffer plus one: not the 39 events after it
      expect(counter.gets).toBeLessThanOrEqual(2 + 5 + 1);
    } finally {
      await dropStream(bus, prefix);
      await bus.close();
    }
  });

  it('rewinds exactly the last N events of a channel holding many more, reading backwards from the newest in bounded steps', async () => {
    const prefix = uniquePrefix('jsb');
    const bus = await open(prefix, 'pub');
    const app = asAppId('app1');
    const [feed, other] = [asChannelName('feed'), asChannelName('other')];
    try {
      // feed: 300 stored messages, then 400 of another channel, then 4 more of feed
      for (let n = 1; n <= 300; n++) await bus.publish(app, feed, { frame: String(n), sequenced: true });
      for (let n = 1; n <= 400; n++) await bus.publish(app, other, { frame: String(n), sequenced: true });
      for (let n = 301; n <= 304; n++) await bus.publish(app, feed, { frame: String(n), sequenced: true });
      const counter = countGets(bus);
      const last = await bus.rewind(app, feed, { count: 7 });
      expect(last).toEqual({ streamId: bus.streamId, messages: expect.any(Array), truncated: false });
      expect(last.messages.map((m) => Number(m.frame))).toEqual([298, 299, 300, 301, 302, 303, 304]);
      // reading from sequence 1 would take 305 gets
      expect(counter.gets).toBeLessThan(60);
      const all = await bus.rewind(app, feed, { count: 1000 });
      expect(all.messages.map((m) => Number(m.frame))).toEqual(Array.from({ length: 304 }, (_, i) => i + 1));
      expect(all.truncated).toBe(false);
      const recent = await bus.rewind(app, feed, { seconds: 60 });
      expect(recent.messages).toHaveLength(304);
    } finally {
      await dropStream(bus, prefix);
      await bus.close();
    }
  });

  it('updates a stream made with a per-channel limit: the limit is removed, the stream is bounded by bytes, and a channel keeps more', async () => {
    const prefix = uniquePrefix('jsb');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const { connect } = await import('@nats-io/transport-node');
    const nc = await connect({ servers: url });
    const jsm = await jetstreamManager(nc);
    const name = `${prefix}_channels`;
    await jsm.streams.add({ name, subjects: [`${prefix}.log.>`], max_msgs_per_subject: 5, max_age: 120_000_000_000, allow_direct: true, republish: { src: `${prefix}.log.>`, dest: `${prefix}.ch.>` } });
    const bus = await open(prefix, 'pub');
    const app = asAppId('app1');
    const channel = asChannelName('feed');
    try {
      const { config } = await jsm.streams.info(name);
      expect(config).toMatchObject({ max_msgs_per_subject: -1, max_bytes: 1024 * 1024 * 1024, discard: 'old', max_age: 120_000_000_000 });
      for (let n = 1; n <= 8; n++) await bus.publish(app, channel, { frame: String(n), sequenced: true });
      expect((await jsm.streams.info(name)).state.messages).toBe(8);
      expect((await bus.rewind(app, channel, { count: 8 })).messages.map((m) => m.frame)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    } finally {
      await jsm.streams.delete(name).catch(() => false);
      await nc.close();
      await bus.close();
    }
  });

  it('creates the stream again when NATS has lost it: serials start over under a new stream id', async () => {
    const app = asAppId('app1');
    const channel = asChannelName('feed');
    const { prefix, publisher, subscriber, close } = await openPair();
    const got: BusMessage[] = [];
    try {
      await subscriber.subscribe(app, channel, (m) => got.push(m));
      for (const frame of ['1', '2']) await publisher.publish(app, channel, { frame, sequenced: true });
      await waitFor(() => got.length === 2, 3000, 'the first events');
      const before = publisher.streamId;
      await dropStream(publisher, prefix);
      // the first publish finds no stream and fails (the caller retries); the bus creates the stream again
      await expect(publisher.publish(app, channel, { frame: '3', sequenced: true })).rejects.toThrow(/did not store/);
      await waitFor(async () => (await publisher.publish(app, channel, { frame: '3', sequenced: true }).then(() => true, () => false)), 5000, 'a publish to the new stream');
      expect(publisher.streamId).not.toBe(before);
      await waitFor(() => got.length === 3, 3000, 'the event of the new stream');
      expect(got[2]).toMatchObject({ frame: '3', serial: serialOf(1, 0) });
      expect(await subscriber.readAfter(app, channel, { serial: 2, streamId: before })).toMatchObject({ ok: false, code: 'stream_reset' });
    } finally {
      await close();
    }
  });
});

describe('ackedSequence', () => {
  const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

  it('reads the sequence of a stored message and of a duplicate', () => {
    expect(ackedSequence(bytes('{"stream":"p_channels","seq":4711}'))).toBe(4711);
    expect(ackedSequence(bytes('{"stream":"p_channels","seq":12,"duplicate":true}'))).toBe(12);
    expect(ackedSequence(bytes('{"stream":"p_channels","domain":"hub","seq":9007199254740991}'))).toBe(9007199254740991);
  });

  it('finds no sequence in an error answer, an empty answer or garbage', () => {
    expect(ackedSequence(bytes('{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"}}'))).toBeUndefined();
    expect(ackedSequence(bytes('{"error":{"code":400,"description":"\\"seq\\":5"},"seq":5}'))).toBeUndefined();
    expect(ackedSequence(new Uint8Array(0))).toBeUndefined();
    expect(ackedSequence(bytes('{"stream":"p","seq":}'))).toBeUndefined();
    expect(ackedSequence(bytes('{"stream":"p","seq":0}'))).toBeUndefined();
    expect(ackedSequence(bytes('not json at all'))).toBeUndefined();
  });
});
