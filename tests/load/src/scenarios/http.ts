/**
 * Scenario 4, HTTP API: signed triggers over keep-alive connections, closed loop, to a channel with no
 * subscribers, so that only the API's own cost (parse, verify, publish) is measured. A warm-up phase of the same
 * load comes first and is reported apart: a target starts fresh for each scenario, and in its first seconds V8
 * compiles its hot path (more code for a server with more to do), a one-time cost that a short phase would
 * otherwise count per request.
 */
import type { Harness } from '../harness.js';
import { Histogram, type LatencySummary } from '../histogram.js';
import type { Options } from '../options.js';
import { CpuMeter } from '../proc.js';
import type { HammerResult } from '../publisher.js';
import { APP, type RunningTarget } from '../targets.js';

/** CONNECTIONS is the number of keep-alive connections, each with one request in flight. */
const CONNECTIONS = 16;

/** WARMUP_MS is the length of the warm-up phase before the measured one. */
const WARMUP_MS = { quick: 1000, full: 3000 };

/** HttpResult is the HTTP API scenario's figures for one target (the measured phase, after the warm-up). */
export interface HttpResult {
  connections: number;
  /** warmupMs is the length of the warm-up phase; warmupServerCpuMsPer1000 what the server spent in it per 1,000 triggers. */
  warmupMs: number;
  warmupServerCpuMsPer1000: number;
  requestsPerS: number;
  failed: number;
  latency: LatencySummary;
  serverCpuMsPer1000: number;
  /** serverUserMsPer1000 and serverSystemMsPer1000 split it: the process's own code, and the kernel's work for it. */
  serverUserMsPer1000: number;
  serverSystemMsPer1000: number;
  loadgenCpuMs: number;
}

/** http runs scenario 4 against a started target. */
export async function http(h: Harness, target: RunningTarget, o: Options): Promise<HttpResult> {
  const hammer = (durationMs: number): Promise<HammerResult> =>
    h.publisher.call<HammerResult>('hammer', { port: target.httpPort, ...APP, conns: CONNECTIONS, durationMs, channel: 'api-bench' });
  const warmupMs = o.quick ? WARMUP_MS.quick : WARMUP_MS.full;
  const warmupMeter = new CpuMeter(() => target.pids());
  warmupMeter.start();
  const warm = await hammer(warmupMs);
  const warmupCpuMs = warmupMeter.elapsedMs();
  const server = new CpuMeter(() => target.pids());
  const loadgen = new CpuMeter(() => h.loadgenPids());
  server.start();
  loadgen.start();
  const r = await hammer(o.phaseMs);
  const cpu = server.elapsed();
  const cpuMs = cpu.user + cpu.system;
  const per1000 = (ms: number): number => (r.ok > 0 ? Math.round((ms * 1000 * 1000) / r.ok) / 1000 : 0);
  return {
    connections: CONNECTIONS,
    warmupMs,
    warmupServerCpuMsPer1000: warm.ok > 0 ? Math.round((warmupCpuMs * 1000 * 1000) / warm.ok) / 1000 : 0,
    requestsPerS: Math.round((r.ok * 1000) / r.elapsedMs),
    failed: r.failed,
    latency: Histogram.fromJSON(r.latency).summary(),
    serverCpuMsPer1000: per1000(cpuMs),
    serverUserMsPer1000: per1000(cpu.user),
    serverSystemMsPer1000: per1000(cpu.system),
    loadgenCpuMs: loadgen.elapsedMs(),
  };
}
