/**
 * harness.ts drives the load processes against one running target: open sockets, publish at a rate,
 * wait for deliveries, and measure server and load-generator CPU over exactly that window.
 */
import type { ClientStats, OpenArgs } from './clients.js';
import { Histogram, type LatencySummary } from './histogram.js';
import { CpuMeter, rssBytes, sleep } from './proc.js';
import type { RateArgs, RateResult } from './publisher.js';
import { LoadProcess } from './rpc.js';
import { APP, type RunningTarget } from './targets.js';

/** CLIENT_PROCESSES is how many subscriber processes share the sockets (the machine has 2 cores). */
const CLIENT_PROCESSES = 2;
/** DRAIN_MS is how long deliveries may trail the last accepted publish before they count as lost. */
const DRAIN_MS = 2000;

/** PhaseResult is one measured publishing window. */
export interface PhaseResult {
  /** rate is the requested publishes/s; achievedRate what the API accepted. */
  rate: number;
  achievedRate: number;
  published: number;
  deliveries: number;
  deliveriesPerS: number;
  /** loss is expected deliveries that did not arrive within DRAIN_MS, plus refused or dropped publishes. */
  loss: number;
  latency: LatencySummary;
  serverCpuMs: number;
  /** serverSystemCpuMs is the part of serverCpuMs spent in the kernel (mostly socket writes). */
  serverSystemCpuMs: number;
  /** serverCpuMsPer1000 is server CPU ms per 1,000 deliveries. */
  serverCpuMsPer1000: number;
  /** loadgenCpuMs is the CPU the load generator (all its processes) used in the window. */
  loadgenCpuMs: number;
  serverRssBytes: number;
  wallMs: number;
}

/** Harness owns the load processes for the whole run. */
export class Harness {
  readonly clients: LoadProcess[];
  readonly publisher: LoadProcess;

  constructor() {
    const clientsFile = new URL('./clients.js', import.meta.url);
    this.clients = Array.from({ length: CLIENT_PROCESSES }, () => new LoadProcess(clientsFile));
    this.publisher = new LoadProcess(new URL('./publisher.js', import.meta.url));
  }

  /** loadgenPids are the coordinator and every load process. */
  loadgenPids(): number[] {
    return [process.pid, this.publisher.pid, ...this.clients.map((c) => c.pid)];
  }

  /** open connects `count` sockets spread over the client processes, each subscribed to `channels`. */
  async open(target: RunningTarget, count: number, channels: string[]): Promise<{ opened: number; failed: number; firstError?: string }> {
    const n = this.clients.length;
    const replies = await Promise.all(
      this.clients.map((c, k) => {
        const share = Math.floor(count / n) + (k < count % n ? 1 : 0);
        const first = k * Math.floor(count / n) + Math.min(k, count % n);
        const args: OpenArgs = { ports: target.wsPorts, ...APP, first, count: share, channels, concurrency: 64 };
        return c.call<{ opened: number; failed: number; firstError?: string }>('open', args);
      }),
    );
    return {
      opened: replies.reduce((a, r) => a + r.opened, 0),
      failed: replies.reduce((a, r) => a + r.failed, 0),
      firstError: replies.find((r) => r.firstError !== undefined)?.firstError,
    };
  }

  /** close drops every subscriber socket. */
  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.call('close')));
  }

  /** reset zeroes the clients' counters. */
  async reset(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.call('reset')));
  }

  /** stats merges the clients' counters and latency histograms. */
  async stats(): Promise<{ received: number; memberEvents: number; errors: number; unexpectedCloses: number; open: number; latency: Histogram }> {
    const all = await Promise.all(this.clients.map((c) => c.call<ClientStats>('stats')));
    const latency = new Histogram();
    for (const s of all) latency.merge(Histogram.fromJSON(s.latency));
    const sum = (f: (s: ClientStats) => number): number => all.reduce((a, s) => a + f(s), 0);
    return {
      received: sum((s) => s.received),
      memberEvents: sum((s) => s.memberEvents),
      errors: sum((s) => s.errors),
      unexpectedCloses: sum((s) => s.unexpectedCloses),
      open: sum((s) => s.open),
      latency,
    };
  }

  /**
   * phase publishes at a fixed rate and waits for the deliveries. `expected` turns the publisher's
   * result into the number of deliveries that must arrive.
   */
  async phase(target: RunningTarget, args: Omit<RateArgs, 'port' | 'appId' | 'key' | 'secret' | 'conns'>, expected: (r: RateResult) => number): Promise<PhaseResult> {
    await this.reset();
    const server = new CpuMeter(() => target.pids());
    const loadgen = new CpuMeter(() => this.loadgenPids());
    server.start();
    loadgen.start();
    const started = Date.now();
    const r = await this.publisher.call<RateResult>('rate', { ...args, port: target.httpPort, ...APP, conns: 16 } satisfies RateArgs);
    const want = expected(r);
    let s = await this.stats();
    const deadline = Date.now() + DRAIN_MS;
    while (s.received < want && Date.now() < deadline) {
      await sleep(50);
      s = await this.stats();
    }
    const wallMs = Date.now() - started;
    const serverCpu = server.elapsed();
    const serverCpuMs = serverCpu.user + serverCpu.system;
    const loadgenCpuMs = loadgen.elapsedMs();
    // why: with no accepted publish there is no observed ratio; ask `expected` for one ordinary publish.
    const perPublish = r.ok > 0 ? want / r.ok : expected({ ...r, ok: 1, shared: 0 });
    return {
      rate: args.rate,
      achievedRate: round((r.ok * 1000) / r.elapsedMs),
      published: r.ok,
      deliveries: s.received,
      deliveriesPerS: round((s.received * 1000) / r.elapsedMs),
      loss: Math.max(0, want - s.received) + Math.round((r.failed + r.dropped) * perPublish),
      latency: s.latency.summary(),
      serverCpuMs,
      serverSystemCpuMs: serverCpu.system,
      serverCpuMsPer1000: s.received > 0 ? round((serverCpuMs * 1000) / s.received, 3) : 0,
      loadgenCpuMs,
      serverRssBytes: target.pids().reduce((a, pid) => a + rssBytes(pid), 0),
      wallMs,
    };
  }

  /** stop ends the load processes. */
  stop(): void {
    for (const p of [...this.clients, this.publisher]) p.kill();
  }
}

/** round keeps `digits` decimals. */
export function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
