/**
 * serials.ts measures the serial path next to today's path (issue 11), at the bus, where the two differ:
 * - distributed: NATS core publish -> subscriber (today) vs JetStream publish (stored, acked) -> RePublish ->
 *   subscriber with gap tracking (JetStreamBus), on the machine's NATS (127.0.0.1:4222, JetStream on);
 * - embedded: ChannelPublisher.publish over the in-process bus without vs with the in-memory sequencer.
 * Latency is publish-to-delivery at a fixed rate (p50/p99); throughput is delivered messages/s with the
 * publisher going as fast as it can (JetStream: up to WINDOW acks in flight). Run: `npm run bench:serials`.
 * Writes bench-results/serials.md and prints it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ChannelPublisher,
  MemoryBus,
  MemoryCacheStore,
  MemoryRecoveryLog,
  asAppId,
  asChannelName,
  asNodeId,
  type Bus,
  type BusMessage,
} from '@sockudo-ts/shared';
import { JetStreamBus, NatsBus } from '@sockudo-ts/shared/implementations';
import { Histogram } from './histogram.js';
import { ROOT } from './targets.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const app = asAppId('bench-app');
const channel = asChannelName('serials');
const RATE = 1000;
const LATENCY_MS = 3000;
const THROUGHPUT_MESSAGES = 20_000;
const WINDOW = 256;
const ROUNDS = 3;

/** median takes each figure's median over rounds of one path. */
function median(runs: Row[]): Row {
  const mid = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { path: runs[0]!.path, p50: mid(runs.map((r) => r.p50)), p99: mid(runs.map((r) => r.p99)), throughput: mid(runs.map((r) => r.throughput)) };
}
const payload = JSON.stringify({ event: 'e', channel: 'serials', data: 'x'.repeat(100) });

interface Row {
  path: string;
  p50: number;
  p99: number;
  throughput: number;
}

/** sentAt carries the publish time (ns) in the frame's data, so the subscriber computes the latency. */
function frame(n: number): string {
  return `{"event":"e","channel":"serials","data":"${process.hrtime.bigint()}:${n}:${'x'.repeat(80)}"}`;
}

function latencyOf(message: BusMessage): number {
  const start = message.frame.indexOf('"data":"') + 8;
  const sent = BigInt(message.frame.slice(start, message.frame.indexOf(':', start)));
  return Number(process.hrtime.bigint() - sent) / 1e6;
}

async function measure(path: string, publisher: Bus, subscriber: Bus, sequenced: boolean): Promise<Row> {
  const histogram = new Histogram();
  let delivered = 0;
  let measuring = false;
  const sub = await subscriber.subscribe(app, channel, (m) => {
    delivered++;
    if (measuring) histogram.record(latencyOf(m));
  });
  const send = (n: number): Promise<unknown> => publisher.publish(app, channel, { frame: frame(n), ...(sequenced ? { sequenced: true } : {}) });
  // warm up
  for (let n = 0; n < 200; n++) await send(n);
  await new Promise((r) => setTimeout(r, 200));
  measuring = true;
  const started = Date.now();
  let n = 0;
  while (Date.now() - started < LATENCY_MS) {
    const due = started + (n * 1000) / RATE;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    void send(n++);
  }
  await new Promise((r) => setTimeout(r, 300));
  measuring = false;
  const summary = histogram.summary();
  delivered = 0;
  const t0 = process.hrtime.bigint();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < THROUGHPUT_MESSAGES; i++) {
    const p = send(i).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= WINDOW) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const deadline = Date.now() + 30_000;
  while (delivered < THROUGHPUT_MESSAGES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await sub.unsubscribe();
  return { path, p50: summary.p50, p99: summary.p99, throughput: delivered / seconds };
}

async function embedded(sequenced: boolean): Promise<Row> {
  const bus = new MemoryBus();
  const log = sequenced ? new MemoryRecoveryLog(() => ({ enabled: true, buffer_size: 100, max_buffer_bytes: 1 << 20, ttl_seconds: 300, max_total_bytes: 1 << 28 })) : undefined;
  const publisher = new ChannelPublisher(bus, new MemoryCacheStore(), 60, log);
  let delivered = 0;
  await bus.subscribe(app, channel, () => delivered++);
  const count = 200_000;
  for (let i = 0; i < 10_000; i++) await publisher.publish(app, { channel, name: 'e', data: payload });
  delivered = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await publisher.publish(app, { channel, name: 'e', data: payload });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  log?.close();
  const perPublishUs = (seconds * 1e6) / count;
  return { path: sequenced ? 'embedded, serials (in-memory log)' : 'embedded, no serials', p50: perPublishUs / 1000, p99: Number.NaN, throughput: delivered / seconds };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const prefix = `bserials${Date.now().toString(36)}`;
  const open = (name: string): Promise<NatsBus> => NatsBus.connect({ servers: [NATS_URL], prefix, nodeId: asNodeId(`${prefix}-${name}`) });
  const [pubCore, subCore] = [await open('pub'), await open('sub')];
  const policy = () => ({ enabled: true, buffer_size: 100, max_buffer_bytes: 1 << 20, ttl_seconds: 300, max_total_bytes: 1 << 28 });
  const pubJs = await JetStreamBus.open(await open('jpub'), { prefix, policy, bufferSize: 100, ttlSeconds: 300 });
  const subJs = await JetStreamBus.open(await open('jsub'), { prefix, policy, bufferSize: 100, ttlSeconds: 300 });
  // why: the machine is shared; the paths alternate over ROUNDS rounds and each figure is the median.
  const coreRuns: Row[] = [];
  const jsRuns: Row[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    coreRuns.push(await measure('NATS core (today)', pubCore, subCore, false));
    jsRuns.push(await measure('JetStream + RePublish (serials)', pubJs, subJs, true));
  }
  rows.push(median(coreRuns), median(jsRuns));
  await (pubJs as unknown as { jsm: { streams: { delete(n: string): Promise<boolean> } } }).jsm.streams.delete(`${prefix}_channels`).catch(() => false);
  for (const b of [pubCore, subCore, pubJs, subJs]) await b.close();
  rows.push(await embedded(false));
  rows.push(await embedded(true));
  const [core, js, plain, seq] = rows as [Row, Row, Row, Row];
  const lines = [
    `Measured ${new Date().toISOString()} (Node ${process.version}); NATS at ${NATS_URL}. Latency: ${RATE} publishes/s for ${LATENCY_MS / 1000} s, one subscriber, ~150-byte frames; throughput: ${THROUGHPUT_MESSAGES} publishes, ${WINDOW} in flight; medians of ${ROUNDS} alternating rounds.`,
    '',
    '| path | p50 publish-to-delivery ms | p99 ms | delivered msgs/s |',
    '|---|---:|---:|---:|',
    ...rows.slice(0, 2).map((r) => `| ${r.path} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${Math.round(r.throughput).toLocaleString('en-US')} |`),
    '',
    `Serial path vs NATS core: p50 +${(js.p50 - core.p50).toFixed(3)} ms (goal <= +1 ms), throughput ${(js.throughput / core.throughput).toFixed(2)}x (goal >= 0.8x).`,
    '',
    '| embedded publish path | us per publish | publishes/s |',
    '|---|---:|---:|',
    ...[plain, seq].map((r) => `| ${r.path} | ${(r.p50 * 1000).toFixed(2)} | ${Math.round(r.throughput).toLocaleString('en-US')} |`),
    '',
    `Embedded serials vs none: ${(seq.throughput / plain.throughput).toFixed(2)}x publishes/s.`,
    '',
  ];
  const text = lines.join('\n');
  writeFileSync(join(ROOT, 'bench-results', 'serials.md'), text);
  process.stdout.write(text);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:serials failed: ${String(err)}\n`);
    process.exit(1);
  },
);
