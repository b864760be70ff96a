/**
 * Scenario 7, history (issue 12): the history service (its own process, as deployed) storing the JetStream
 * channel stream in PostgreSQL, on the machine's NATS and PostgreSQL.
 * - capacity: events published while the service is stopped, then the rate at which it stores them (stored/s
 *   with nothing else running, after the first tenth);
 * - keeping up: events published at a fixed rate (the fan-out scenario's highest publish rate of this run), then
 *   as fast as JetStream acks them, each for a window; the backlog (the history stream's messages not stored yet,
 *   each one event or a batch of them) at the start and at the end of the window says whether storing keeps up
 *   (zero growth);
 * - reads: the latency of a 100-item page of a 20,000-event channel read over gRPC from the service (what the
 *   api does for `GET .../history`), newest page and pages at random serials.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import { asAppId, asChannelName, type ChannelName } from '@sockudo-ts/shared';
import { GrpcHistoryReader } from '@sockudo-ts/shared/implementations';
import { Histogram, type LatencySummary } from '../histogram.js';
import type { Options } from '../options.js';
import type { Outcome } from '../report.js';
import { CpuMeter, sleep } from '../proc.js';
import type { HistoryTarget } from '../targets.js';

/** WriteWindow is one publishing window: the rate asked and achieved, what was stored, the backlog at both ends. */
export interface WriteWindow {
  /** askedRate is the publish rate asked for (events/s); undefined: as fast as JetStream acks. */
  askedRate?: number;
  publishedPerS: number;
  storedPerS: number;
  /** backlogStart and backlogEnd are the history stream's messages not stored yet (each holds one event or a batch). */
  backlogStart: number;
  backlogEnd: number;
  /** serviceCpuMsPer1000 is the history service's CPU time per 1,000 events stored in the window. */
  serviceCpuMsPer1000: number;
}

/** HistoryResult is the history scenario's figures. */
export interface HistoryResult {
  /** capacity is stored/s draining a backlog of `capacityEvents` with no publisher running. */
  capacity: { events: number; storedPerS: number; serviceCpuMsPer1000: number };
  /** fanoutRate is the publish rate window: the fan-out scenario's highest publish rate of this run. */
  fanoutRate: WriteWindow;
  /** maxRate is the window publishing as fast as JetStream acks (IN_FLIGHT publishes in flight). */
  maxRate: WriteWindow;
  readNewest: LatencySummary;
  readRandom: LatencySummary;
}

/** DEFAULT_FANOUT_RATE is the fixed window's rate when the run has no fan-out figures (publishes/s). */
const DEFAULT_FANOUT_RATE = 1000;

/** fanoutPublishRate is the highest saturating publish rate the fan-out scenario found in this run (any target). */
export function fanoutPublishRate(fanout: Record<string, Outcome> | undefined): number {
  let best = 0;
  for (const o of Object.values(fanout ?? {})) if ('result' in o) best = Math.max(best, Number((o.result as { saturation?: { rate?: number } }).saturation?.rate ?? 0));
  return best > 0 ? best : DEFAULT_FANOUT_RATE;
}

const CHANNELS = 20;
const IN_FLIGHT = 256;
const READ_CHANNEL_EVENTS = 20_000;
const app = asAppId('bench-history');

const frame = (i: number, channel: string): string => JSON.stringify({ event: 'tick', channel, data: JSON.stringify({ i, pad: 'x'.repeat(80) }) });

/** history runs the scenario against a started history target; `fanoutRate` is the publish rate of the fixed window. */
export async function history(target: HistoryTarget, o: Options, fanoutRate: number): Promise<HistoryResult> {
  const { bus, jsm, stream, channelStream } = target;
  let next = 0;
  const publish = async (channel?: ChannelName): Promise<void> => {
    const i = next++;
    const ch = channel ?? asChannelName(`ch-${i % CHANNELS}`);
    await bus.publish(app, ch, { frame: frame(i, ch), sequenced: true });
  };
  const cpu = new CpuMeter(() => target.pids());

  // capacity: a backlog stored while the service was down, drained with nothing else running.
  const capacityEvents = o.quick ? 10_000 : 40_000;
  await publishAsFastAsAcked(publish, capacityEvents);
  await target.startService();
  // why: the service creates the history stream; the server then copies the channel stream's backlog into it.
  await waitUntil(async () => (await jsm.streams.info(channelStream)).state.last_seq <= ((await jsm.streams.info(stream).catch(() => undefined))?.state.last_seq ?? 0), 120_000);
  // why: the first tenth warms the fresh process (JIT, connections) and the stream's file cache; the clock starts after it.
  await waitUntil(async () => (await backlog(jsm, stream)) <= capacityEvents * 0.9, 120_000);
  cpu.start();
  const drainStart = performance.now();
  // why: events counted in the table: a stored message of the stream holds a batch of events (one per channel
  // and turn of the publisher), so the stream's message count is not an event count.
  const storedFrom = await target.storedCount();
  await waitUntil(async () => (await backlog(jsm, stream)) === 0, 300_000);
  const drainS = (performance.now() - drainStart) / 1000;
  const drained = (await target.storedCount()) - storedFrom;
  const capacity = { events: capacityEvents, storedPerS: drained / drainS, serviceCpuMsPer1000: drained === 0 ? 0 : (cpu.elapsedMs() / drained) * 1000 };

  const windowMs = Math.max(o.phaseMs * 2, 5000);
  const fixed = await writeWindow(target, cpu, windowMs, fanoutRate, publish);
  const max = await writeWindow(target, cpu, windowMs, undefined, publish);

  // reads: a 20,000-event channel stored through the service, then pages read over gRPC.
  const readChannel = asChannelName('read');
  await publishAsFastAsAcked(() => publish(readChannel), READ_CHANNEL_EVENTS);
  await waitUntil(async () => (await backlog(jsm, stream)) === 0, 300_000);
  const reader = new GrpcHistoryReader({ url: target.grpcUrl, deadlineMs: 10_000 });
  const newest = new Histogram();
  const random = new Histogram();
  try {
    const first = await reader.read(app, readChannel, { limit: 1, direction: 'oldest_first' });
    const low = first.items[0]?.serial ?? 1;
    const reads = o.quick ? 200 : 500;
    for (let r = 0; r < reads; r++) {
      let t = performance.now();
      await reader.read(app, readChannel, { limit: 100 });
      newest.record(performance.now() - t);
      t = performance.now();
      const page = await reader.read(app, readChannel, { limit: 100, end_serial: low + 100 + Math.floor(Math.random() * (READ_CHANNEL_EVENTS - 100)) });
      random.record(performance.now() - t);
      if (page.items.length === 0) throw new Error('a history page came back empty');
    }
  } finally {
    reader.close();
  }
  return { capacity, fanoutRate: fixed, maxRate: max, readNewest: newest.summary(), readRandom: random.summary() };
}

/**
 * writeWindow publishes for `windowMs` at `rate` events/s (undefined: as fast as JetStream acks) while the
 * service stores, and reads the backlog once the publishing is under way and again when the window ends.
 */
async function writeWindow(target: HistoryTarget, cpu: CpuMeter, windowMs: number, rate: number | undefined, publish: () => Promise<void>): Promise<WriteWindow> {
  const { jsm, stream } = target;
  let stop = false;
  let published = 0;
  const inFlight = new Set<Promise<void>>();
  const send = (): void => {
    const p = publish().then(() => void published++);
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const publisher = (async () => {
    if (rate === undefined) {
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (!stop) {
            await publish();
            published++;
          }
        }),
      );
      return;
    }
    const started = performance.now();
    let sent = 0;
    while (!stop) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      while (sent < due && inFlight.size < IN_FLIGHT * 4) {
        send();
        sent++;
      }
      await sleep(5);
    }
    await Promise.all(inFlight);
  })();
  // why: the first second brings the publisher and the consumer to their steady pace; the window starts after it.
  await sleep(1000);
  const backlogStart = await steadyBacklog(jsm, stream);
  const storedBefore = await target.storedCount();
  const publishedBefore = published;
  cpu.start();
  const t0 = performance.now();
  await sleep(windowMs);
  const backlogEnd = await steadyBacklog(jsm, stream);
  const seconds = (performance.now() - t0) / 1000;
  const storedIn = (await target.storedCount()) - storedBefore;
  const publishedIn = published - publishedBefore;
  const cpuMs = cpu.elapsedMs();
  stop = true;
  await publisher;
  await waitUntil(async () => (await backlog(jsm, stream)) === 0, 300_000);
  return {
    ...(rate === undefined ? {} : { askedRate: rate }),
    publishedPerS: publishedIn / seconds,
    storedPerS: storedIn / seconds,
    backlogStart,
    backlogEnd,
    serviceCpuMsPer1000: storedIn === 0 ? 0 : (cpuMs / storedIn) * 1000,
  };
}

/**
 * steadyBacklog is the median of the backlog sampled over one second. why: a consumer that keeps up still holds
 * the batch it is writing (up to a few hundred events) at any instant; one sample catches it at a random point.
 */
async function steadyBacklog(jsm: JetStreamManager, stream: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 10; i++) {
    samples.push(await backlog(jsm, stream));
    await sleep(100);
  }
  samples.sort((a, b) => a - b);
  return samples[5]!;
}

async function publishAsFastAsAcked(publish: () => Promise<void>, count: number): Promise<void> {
  let left = count;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (left > 0) {
        left--;
        await publish();
      }
    }),
  );
}

/**
 * backlog is what the history service has not stored yet: the history stream is a work queue that the service
 * empties as it stores (acknowledges), so what it holds is the backlog.
 */
export async function backlog(jsm: JetStreamManager, stream: string): Promise<number> {
  return (await jsm.streams.info(stream)).state.messages;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`history scenario: condition not met within ${timeoutMs} ms`);
    await sleep(25);
  }
}
