/**
 * Scenario 7, the serial path next to today's path (issue 11), at the bus, where the two differ:
 * - NATS core publish -> subscriber (today) vs JetStream publish (file storage, acked) -> RePublish ->
 *   subscriber with gap tracking (JetStreamBus, the serial path), on the machine's NATS (127.0.0.1:4222),
 *   publishing to one channel and round-robin over SPREAD_CHANNELS; with `--ref DIR` also that checkout's
 *   JetStreamBus (before/after in one run);
 * - end to end through the cluster (when it can run here): signed HTTP triggers -> api -> bus -> two gateways
 *   -> one socket on each, today's cluster vs the cluster with recovery on, both started for the whole scenario,
 *   triggers to one channel and round-robin over SPREAD_CHANNELS;
 * - embedded: ChannelPublisher.publish over the in-process bus without vs with the in-memory sequencer.
 * why interleaved: the machine is shared and its load swings within seconds, so the paths take turns in short
 * rounds (alternating which goes first) and each serial-path figure is compared with the NATS core figure of
 * the same round; the report gives the median and the spread of those paired comparisons.
 * Latency is publish-to-delivery at a fixed rate; throughput is delivered messages/s with the publisher going
 * as fast as it can, at each of WINDOWS publishes in flight (acks awaited concurrently); a path's saturation in a
 * round is its best window. why more than one: a NATS core publish resolves as soon as it is written, so its
 * publisher never waits on a window, while a serial publish waits for the stream's acknowledgement: at 256 in
 * flight over 100 channels the serial path was held by the window itself (a channel's stored message can hold
 * only the channel's publishes in flight, 2.56), not by what it can carry. Each window is reported.
 */
import { readdirSync, readFileSync } from 'node:fs';
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
  type ChannelName,
  type RecoveryConfig,
} from '@sockudo-ts/shared';
import * as implementations from '@sockudo-ts/shared/implementations';
import type { Harness } from '../harness.js';
import { Histogram } from '../histogram.js';
import type { Options } from '../options.js';
import { CpuMeter, cpuMs, sleep } from '../proc.js';
import type { HammerArgs, HammerResult } from '../publisher.js';
import { APP, cluster, clusterSerials, type RunningTarget, type Target } from '../targets.js';
import { storeCosts, type StoreCost } from './serials-store.js';

/** NATS_URL is the machine's NATS with JetStream (ENVIRONMENT.md). */
export const NATS_URL = 'nats://127.0.0.1:4222';
/** RATE is the fixed publish rate of the latency phase (publishes/s). */
const RATE = 1000;
/** WINDOWS are the publishes in flight of the throughput phases, each run in every round. */
const WINDOWS = [256, 4096];

const app = asAppId('bench-app');
const channel = asChannelName('serials');
/** SPREAD_CHANNELS is the channel count of the spread paths: publishes go round-robin over them. */
const SPREAD_CHANNELS = 100;
const policy = (): RecoveryConfig => ({ enabled: true, buffer_size: 100, max_buffer_bytes: 1 << 20, ttl_seconds: 300, max_total_bytes: 1 << 28, stream_max_bytes: 1 << 30 });

/** Spread is a figure over the rounds: median, lowest and highest. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** RoundFigures is one path's figures in one round. */
interface RoundFigures {
  p50: number;
  p99: number;
  /** throughput is delivered messages/s at saturation: the best of the windows; the CPU and batch figures are its. */
  throughput: number;
  /** byWindow is delivered messages/s at each of WINDOWS publishes in flight. */
  byWindow: number[];
  /** clientCpuUs is this process's CPU (publisher and subscriber) per delivered message in the throughput phase. */
  clientCpuUs: number;
  /** natsCpuUs is nats-server's CPU per delivered message in the throughput phase (undefined when not found). */
  natsCpuUs?: number;
  /** eventsPerStored is how many events the stream stored per message in the throughput phase (serial paths). */
  eventsPerStored?: number;
}

/** PhaseFigures are one throughput phase's figures (one window). */
type PhaseFigures = Omit<RoundFigures, 'p50' | 'p99' | 'byWindow'>;

/**
 * PathResult is one bus path over all rounds; `vsCore` pairs each round with the same round of NATS core over as
 * many channels. `kind` says which path it is; `channels` how many channels its publishes go round-robin over.
 */
export interface PathResult {
  path: string;
  kind: 'core' | 'serials' | 'ref';
  channels: number;
  p50: number;
  p99: number;
  /** throughput is delivered messages/s at saturation (the best window of each round), median over the rounds. */
  throughput: number;
  /** byWindow is the median delivered messages/s at each of the result's windows. */
  byWindow?: number[];
  clientCpuUs: number;
  natsCpuUs?: number;
  eventsPerStored?: number;
  /** vsCore pairs rounds with NATS core's: p50 difference, saturation ratio, and the ratio at each window. */
  vsCore?: { p50DeltaMs: Spread; throughputRatio: Spread; byWindow?: Spread[] };
  rounds: RoundFigures[];
}

/** EmbeddedResult is the in-process publish path without and with the sequencer. */
export interface EmbeddedResult {
  path: string;
  usPerPublish: number;
  publishesPerS: number;
}

/** ClusterPathResult is one cluster over all rounds; `vsToday` pairs each round with today's cluster's same round. */
export interface ClusterPathResult {
  path: string;
  p50: number;
  p99: number;
  /** publishesPerS is delivered publishes/s at saturation (closed-loop triggers; each reaches both sockets). */
  publishesPerS: number;
  /** spreadPublishesPerS is the same with the triggers round-robin over SPREAD_CHANNELS channels. */
  spreadPublishesPerS: number;
  /** serverCpuUs is the cluster's processes' CPU per publish at saturation (NATS and Redis not counted). */
  serverCpuUs: number;
  natsCpuUs?: number;
  /** loss is deliveries missing over every round (fixed-rate phases). */
  loss: number;
  vsToday?: { p50DeltaMs: Spread; throughputRatio: Spread; spreadThroughputRatio: Spread };
  rounds: ClusterRound[];
}

/** ClusterResult is the end-to-end part: figures, or why it did not run. */
export type ClusterResult = { rounds: number; rate: number; phaseMs: number; connections: number; paths: ClusterPathResult[] } | { skipped: string };

/** SerialsResult is the scenario's figures. */
export interface SerialsResult {
  rounds: number;
  rate: number;
  latencyMs: number;
  throughputMessages: number;
  /** windows are the publishes in flight of the throughput phases. */
  windows: number[];
  paths: PathResult[];
  cluster?: ClusterResult;
  embedded: EmbeddedResult[];
  /** store is nats-server's cost per stored message by stream setting (serials-store.ts), or why it did not run. */
  store?: StoreCost[] | { skipped: string };
}

/** BusImplementations are the two bus classes of a checkout (this one, or `--ref`). */
type BusImplementations = Pick<typeof implementations, 'NatsBus' | 'JetStreamBus'>;

/** Path is one way from publisher to subscriber, set up once and measured in every round. */
interface Path {
  name: string;
  kind: PathResult['kind'];
  channels: ChannelName[];
  /** core is the index of the NATS core path this one is compared with. */
  core: number;
  publisher: Bus;
  sequenced: boolean;
  delivered: number;
  histogram?: Histogram;
  /** lastStored reads the stream's last sequence (serial paths). */
  lastStored?: () => Promise<number>;
  close(): Promise<void>;
}

/** frame carries its publish time (ns) in the data, so the subscriber computes the latency. */
function frame(n: number): string {
  return `{"event":"e","channel":"serials","data":"${process.hrtime.bigint()}:${n}:${'x'.repeat(80)}"}`;
}

function latencyOf(message: BusMessage): number {
  const start = message.frame.indexOf('"data":"') + 8;
  const sent = BigInt(message.frame.slice(start, message.frame.indexOf(':', start)));
  return Number(process.hrtime.bigint() - sent) / 1e6;
}

/** natsServerPid finds the nats-server serving 127.0.0.1:4222 (the one started with `-p 4222`), if any. */
function natsServerPid(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!args[0]?.endsWith('nats-server')) continue;
      const port = args.indexOf('-p');
      if (port >= 0 && args[port + 1] === '4222') return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/**
 * openPath connects a publisher and a subscriber of one implementation under their own subject prefix, subscribed
 * to `channels` channels.
 */
async function openPath(name: string, kind: Path['kind'], core: number, impl: BusImplementations, prefix: string, channels: number): Promise<Path> {
  const sequenced = kind !== 'core';
  const names = channels === 1 ? [channel] : Array.from({ length: channels }, (_, i) => asChannelName(`serials-${i}`));
  const connect = (node: string): Promise<implementations.NatsBus> => impl.NatsBus.connect({ servers: [NATS_URL], prefix, nodeId: asNodeId(`${prefix}-${node}`) });
  // why: bufferSize is for a `--ref` checkout from before the stream lost its per-channel limit (it sets it from this).
  const options = { prefix, policy, bufferSize: 100, ttlSeconds: 300 };
  const publisher: Bus = sequenced ? await impl.JetStreamBus.open(await connect('pub'), options) : await connect('pub');
  const subscriber: Bus = sequenced ? await impl.JetStreamBus.open(await connect('sub'), options) : await connect('sub');
  const path: Path = {
    name,
    kind,
    channels: names,
    core,
    publisher,
    sequenced,
    delivered: 0,
    close: async () => {
      if (sequenced) await deleteStream(publisher, `${prefix}_channels`);
      await Promise.all([publisher.close(), subscriber.close()]);
    },
  };
  if (sequenced) {
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const jsm = await jetstreamManager((publisher as unknown as { core: implementations.NatsBus }).core.connection);
    path.lastStored = async () => (await jsm.streams.info(`${prefix}_channels`)).state.last_seq;
  }
  for (const name of names) {
    await subscriber.subscribe(app, name, (m) => {
      path.delivered++;
      path.histogram?.record(latencyOf(m));
    });
  }
  return path;
}

/** deleteStream removes the path's JetStream stream from the shared NATS (best effort). */
async function deleteStream(bus: Bus, stream: string): Promise<void> {
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const core = (bus as unknown as { core: implementations.NatsBus }).core;
  await (await jetstreamManager(core.connection)).streams.delete(stream).catch(() => false);
}

function send(path: Path, n: number): Promise<unknown> {
  const to = path.channels[n % path.channels.length]!;
  return path.publisher.publish(app, to, path.sequenced ? { frame: frame(n), sequenced: true } : { frame: frame(n) });
}

/** round measures one path once: latency at RATE for `latencyMs`, then throughput over `count` publishes at each window. */
async function round(path: Path, latencyMs: number, count: number, natsPid: number | undefined): Promise<RoundFigures> {
  const histogram = new Histogram();
  path.histogram = histogram;
  const started = Date.now();
  for (let n = 0; Date.now() - started < latencyMs; n++) {
    const wait = started + (n * 1000) / RATE - Date.now();
    if (wait > 0) await sleep(wait);
    void send(path, n).catch(() => undefined);
  }
  await sleep(200);
  path.histogram = undefined;
  const latency = histogram.summary();

  const phases: PhaseFigures[] = [];
  for (const window of WINDOWS) phases.push(await throughputPhase(path, count, window, natsPid));
  const best = phases.reduce((a, b) => (b.throughput > a.throughput ? b : a));
  return { p50: latency.p50, p99: latency.p99, ...best, byWindow: phases.map((f) => f.throughput) };
}

/** throughputPhase publishes `count` messages as fast as the path takes them with `window` in flight. */
async function throughputPhase(path: Path, count: number, window: number, natsPid: number | undefined): Promise<PhaseFigures> {
  path.delivered = 0;
  const stored0 = await path.lastStored?.();
  const cpu0 = process.cpuUsage();
  const nats0 = natsPid === undefined ? 0 : cpuMs(natsPid);
  const t0 = process.hrtime.bigint();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < count; i++) {
    const p: Promise<unknown> = send(path, i).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= window) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const deadline = Date.now() + 30_000;
  while (path.delivered < count && Date.now() < deadline) await sleep(2);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const delivered = Math.max(1, path.delivered);
  const figures: PhaseFigures = { throughput: path.delivered / seconds, clientCpuUs: (cpu.user + cpu.system) / delivered };
  if (natsPid !== undefined) figures.natsCpuUs = ((cpuMs(natsPid) - nats0) * 1000) / delivered;
  const stored1 = await path.lastStored?.();
  if (stored0 !== undefined && stored1 !== undefined && stored1 > stored0) figures.eventsPerStored = count / (stored1 - stored0);
  return figures;
}

function spreadOf(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: median(sorted), min: sorted[0] ?? Number.NaN, max: sorted[sorted.length - 1] ?? Number.NaN };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** embedded measures ChannelPublisher over the in-process bus, without or with the in-memory sequencer. */
async function embedded(sequenced: boolean, count: number): Promise<EmbeddedResult> {
  const bus = new MemoryBus();
  const log = sequenced ? new MemoryRecoveryLog(policy) : undefined;
  const publisher = new ChannelPublisher(bus, new MemoryCacheStore(), 60, log);
  let delivered = 0;
  await bus.subscribe(app, channel, () => delivered++);
  const data = JSON.stringify({ n: 0, pad: 'x'.repeat(100) });
  for (let i = 0; i < count / 10; i++) await publisher.publish(app, { channel, name: 'e', data });
  delivered = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await publisher.publish(app, { channel, name: 'e', data });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  log?.close();
  return { path: sequenced ? 'embedded, serials (in-memory log)' : 'embedded, no serials', usPerPublish: (seconds * 1e6) / count, publishesPerS: delivered / seconds };
}

/** E2E_CHANNEL is the channel of the end-to-end latency phase and one-channel saturation. */
const E2E_CHANNEL = 'serials-e2e-0';
/** E2E_RATE is the fixed trigger rate of the end-to-end latency phase (publishes/s). */
const E2E_RATE = 200;
/**
 * E2E_CONNECTIONS is the closed loop's keep-alive connections, each with one trigger in flight. why 64: the
 * serial path answers a trigger once the stream acked it, so with few connections it measured connections /
 * ack latency (Little's law), not what the cluster can carry (16 connections: 0.57x; 64: 0.66x, same run size).
 */
const E2E_CONNECTIONS = 64;

/** ClusterRound is one cluster's figures in one round. */
export interface ClusterRound {
  p50: number;
  p99: number;
  publishesPerS: number;
  spreadPublishesPerS: number;
  serverCpuUs: number;
  natsCpuUs?: number;
  loss: number;
}

/** saturate runs a closed loop of triggers and returns delivered publishes/s (each reaches both sockets). */
async function saturate(h: Harness, target: RunningTarget, phaseMs: number, spread?: number): Promise<{ publishesPerS: number; delivered: number }> {
  await h.reset();
  const args: HammerArgs = { port: target.httpPort, ...APP, conns: E2E_CONNECTIONS, durationMs: phaseMs, channel: spread === undefined ? E2E_CHANNEL : 'serials-e2e' };
  if (spread !== undefined) args.spread = spread;
  const r = await h.publisher.call<HammerResult>('hammer', args);
  const deadline = Date.now() + 3000;
  let received = (await h.stats()).received;
  while (received < r.ok * 2 && Date.now() < deadline) {
    await sleep(50);
    received = (await h.stats()).received;
  }
  return { publishesPerS: (received / 2 / r.elapsedMs) * 1000, delivered: Math.max(1, received / 2) };
}

/**
 * clusterRound measures one started cluster once: latency at E2E_RATE, then a closed loop of triggers to one
 * channel (with the cluster's CPU), then one round-robin over SPREAD_CHANNELS channels.
 */
async function clusterRound(h: Harness, target: RunningTarget, phaseMs: number, natsPid: number | undefined): Promise<ClusterRound> {
  // why: a socket may subscribe to 100 channels (the default per-connection limit): the spread channels, the first
  // of which is also the one channel.
  const channels = Array.from({ length: SPREAD_CHANNELS }, (_, i) => `serials-e2e-${i}`);
  const opened = await h.open(target, 2, channels);
  if (opened.opened !== 2) throw new Error(`opened ${opened.opened} of 2 sockets: ${opened.firstError ?? 'unknown error'}`);
  try {
    const fixed = await h.phase(target, { rate: E2E_RATE, durationMs: phaseMs, channel: E2E_CHANNEL }, (r) => r.ok * 2);
    const server = new CpuMeter(() => target.pids());
    server.start();
    const nats0 = natsPid === undefined ? 0 : cpuMs(natsPid);
    const one = await saturate(h, target, phaseMs);
    const round: ClusterRound = {
      p50: fixed.latency.p50,
      p99: fixed.latency.p99,
      publishesPerS: one.publishesPerS,
      spreadPublishesPerS: 0,
      serverCpuUs: (server.elapsedMs() * 1000) / one.delivered,
      loss: fixed.loss,
    };
    if (natsPid !== undefined) round.natsCpuUs = ((cpuMs(natsPid) - nats0) * 1000) / one.delivered;
    round.spreadPublishesPerS = (await saturate(h, target, phaseMs, SPREAD_CHANNELS)).publishesPerS;
    return round;
  } finally {
    await h.close();
  }
}

/** endToEnd runs the cluster part: both clusters started, taking turns in `rounds` rounds. */
async function endToEnd(h: Harness, o: Options, rounds: number, natsPid: number | undefined): Promise<ClusterResult> {
  const pair: Target[] = [cluster, clusterSerials];
  for (const t of pair) {
    const why = await t.prepare(o);
    if (why !== undefined) return { skipped: why };
  }
  const phaseMs = o.quick ? 1000 : 2000;
  const started: RunningTarget[] = [];
  try {
    for (const t of pair) started.push(await t.start(o));
    // warm up both (JIT, connections, the stream) before the first measured round
    for (const t of started) await clusterRound(h, t, 500, undefined);
    const figures: ClusterRound[][] = [[], []];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) figures[i]!.push(await clusterRound(h, started[i]!, phaseMs, natsPid));
    }
    const today = figures[0]!;
    const paths = pair.map((t, i): ClusterPathResult => {
      const mine = figures[i]!;
      const result: ClusterPathResult = {
        path: t.name,
        p50: median(mine.map((f) => f.p50)),
        p99: median(mine.map((f) => f.p99)),
        publishesPerS: median(mine.map((f) => f.publishesPerS)),
        spreadPublishesPerS: median(mine.map((f) => f.spreadPublishesPerS)),
        serverCpuUs: median(mine.map((f) => f.serverCpuUs)),
        loss: mine.reduce((a, f) => a + f.loss, 0),
        rounds: mine,
      };
      if (natsPid !== undefined) result.natsCpuUs = median(mine.map((f) => f.natsCpuUs ?? Number.NaN));
      if (i > 0) {
        result.vsToday = {
          p50DeltaMs: spreadOf(mine.map((f, k) => f.p50 - today[k]!.p50)),
          throughputRatio: spreadOf(mine.map((f, k) => f.publishesPerS / today[k]!.publishesPerS)),
          spreadThroughputRatio: spreadOf(mine.map((f, k) => f.spreadPublishesPerS / today[k]!.spreadPublishesPerS)),
        };
      }
      return result;
    });
    return { rounds, rate: E2E_RATE, phaseMs, connections: E2E_CONNECTIONS, paths };
  } finally {
    await Promise.all(started.map((t) => t.stop()));
  }
}

/** serials runs the scenario on the machine's NATS; `ref` is the root of a `--ref` checkout, if any. */
export async function serials(h: Harness, o: Options, ref?: string): Promise<SerialsResult> {
  const rounds = o.quick ? 4 : 8;
  const latencyMs = o.quick ? 600 : 1000;
  const throughputMessages = o.quick ? 5000 : 10_000;
  const run = `bserials${Date.now().toString(36)}`;
  const paths: Path[] = [];
  try {
    paths.push(await openPath('NATS core (today), one channel', 'core', 0, implementations, `${run}c`, 1));
    paths.push(await openPath('JetStream + RePublish (serials), one channel', 'serials', 0, implementations, `${run}j`, 1));
    const refImpl = ref === undefined ? undefined : ((await import(join(ref, 'shared/dist/implementations.js'))) as BusImplementations);
    if (refImpl !== undefined) paths.push(await openPath('JetStream + RePublish (serials, ref), one channel', 'ref', 0, refImpl, `${run}r`, 1));
    // why: only events of one channel published together share a stored message, so traffic spread over many
    // channels is measured too.
    const spread = paths.length;
    paths.push(await openPath(`NATS core (today), ${SPREAD_CHANNELS} channels`, 'core', spread, implementations, `${run}C`, SPREAD_CHANNELS));
    paths.push(await openPath(`JetStream + RePublish (serials), ${SPREAD_CHANNELS} channels`, 'serials', spread, implementations, `${run}J`, SPREAD_CHANNELS));
    if (refImpl !== undefined) paths.push(await openPath(`JetStream + RePublish (serials, ref), ${SPREAD_CHANNELS} channels`, 'ref', spread, refImpl, `${run}R`, SPREAD_CHANNELS));
    const natsPid = natsServerPid();
    // warm up every path (connections, stream, JIT) before the first measured round
    for (const path of paths) await round(path, 200, 1000, undefined);
    const figures: RoundFigures[][] = paths.map(() => []);
    for (let r = 0; r < rounds; r++) {
      const order = paths.map((_, i) => i);
      if (r % 2 === 1) order.reverse();
      for (const i of order) figures[i]!.push(await round(paths[i]!, latencyMs, throughputMessages, natsPid));
    }
    const results = paths.map((path, i): PathResult => {
      const mine = figures[i]!;
      const core = figures[path.core]!;
      const result: PathResult = {
        path: path.name,
        kind: path.kind,
        channels: path.channels.length,
        p50: median(mine.map((f) => f.p50)),
        p99: median(mine.map((f) => f.p99)),
        throughput: median(mine.map((f) => f.throughput)),
        byWindow: WINDOWS.map((_, w) => median(mine.map((f) => f.byWindow[w]!))),
        clientCpuUs: median(mine.map((f) => f.clientCpuUs)),
        rounds: mine,
      };
      if (natsPid !== undefined) result.natsCpuUs = median(mine.map((f) => f.natsCpuUs ?? Number.NaN));
      if (path.kind !== 'core') result.eventsPerStored = median(mine.map((f) => f.eventsPerStored ?? Number.NaN));
      if (path.kind !== 'core') {
        result.vsCore = {
          p50DeltaMs: spreadOf(mine.map((f, k) => f.p50 - core[k]!.p50)),
          throughputRatio: spreadOf(mine.map((f, k) => f.throughput / core[k]!.throughput)),
          byWindow: WINDOWS.map((_, w) => spreadOf(mine.map((f, k) => f.byWindow[w]! / core[k]!.byWindow[w]!))),
        };
      }
      return result;
    });
    const count = o.quick ? 50_000 : 200_000;
    const plain: EmbeddedResult[] = [];
    const seq: EmbeddedResult[] = [];
    for (let r = 0; r < 3; r++) {
      plain.push(await embedded(false, count));
      seq.push(await embedded(true, count));
    }
    const pick = (runs: EmbeddedResult[]): EmbeddedResult => ({ path: runs[0]!.path, usPerPublish: median(runs.map((x) => x.usPerPublish)), publishesPerS: median(runs.map((x) => x.publishesPerS)) });
    for (const path of paths.splice(0)) await path.close().catch(() => undefined);
    let store: SerialsResult['store'];
    try {
      store = natsPid === undefined ? { skipped: 'nats-server on 127.0.0.1:4222 not found (its CPU is what is measured)' } : await storeCosts(NATS_URL, natsPid, o.quick ? 2 : 3, 8000);
    } catch (err) {
      store = { skipped: `failed: ${String((err as Error).message ?? err).split('\n')[0]}` };
    }
    let clusterResult: ClusterResult;
    try {
      clusterResult = await endToEnd(h, o, o.quick ? 3 : 6, natsPid);
    } catch (err) {
      clusterResult = { skipped: `failed: ${String((err as Error).message ?? err).split('\n')[0]}` };
    }
    return { rounds, rate: RATE, latencyMs, throughputMessages, windows: WINDOWS, paths: results, cluster: clusterResult, embedded: [pick(plain), pick(seq)], store };
  } finally {
    for (const path of paths) await path.close().catch(() => undefined);
  }
}
