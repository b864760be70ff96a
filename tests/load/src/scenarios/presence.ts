/**
 * Scenario 5, presence churn: M steady members on one presence channel while C other sockets join and
 * leave it in a loop (each join with a new user id, so every join and leave is a member_added /
 * member_removed to the steady members).
 */
import type { Harness } from '../harness.js';
import { Histogram, type LatencySummary } from '../histogram.js';
import type { Options } from '../options.js';
import { CpuMeter, sleep } from '../proc.js';
import { APP, type RunningTarget } from '../targets.js';

const CHANNEL = 'presence-bench';

/** PresenceResult is the presence-churn scenario's figures for one target. */
export interface PresenceResult {
  members: number;
  churners: number;
  joinsPerS: number;
  failedJoins: number;
  /** joinLatency is subscribe -> subscription_succeeded. */
  joinLatency: LatencySummary;
  /** memberEventsPerS is member_added + member_removed received by the steady members. */
  memberEventsPerS: number;
  /** serverCpuMsPer1000 is server CPU ms per 1,000 join+leave cycles. */
  serverCpuMsPer1000: number;
  loadgenCpuMs: number;
}

/** presence runs scenario 5 against a started target. */
export async function presence(h: Harness, target: RunningTarget, o: Options): Promise<PresenceResult> {
  const opened = await h.open(target, o.members, [CHANNEL]);
  if (opened.failed > 0) throw new Error(`${opened.failed} of ${o.members} members failed: ${opened.firstError}`);
  await h.reset();
  const server = new CpuMeter(() => target.pids());
  const loadgen = new CpuMeter(() => h.loadgenPids());
  server.start();
  loadgen.start();
  const t0 = Date.now();
  const r = await h.clients[h.clients.length - 1]!.call<{ joins: number; failed: number; latency: ReturnType<Histogram['toJSON']> }>('churn', {
    port: target.wsPorts[0],
    ...APP,
    channel: CHANNEL,
    sockets: o.churners,
    durationMs: o.phaseMs,
    first: 0,
  });
  const elapsedMs = Date.now() - t0;
  const cpuMs = server.elapsedMs();
  const loadgenCpuMs = loadgen.elapsedMs();
  await sleep(200);
  const s = await h.stats();
  await h.close();
  return {
    members: o.members,
    churners: o.churners,
    joinsPerS: Math.round((r.joins * 1000) / elapsedMs),
    failedJoins: r.failed,
    joinLatency: Histogram.fromJSON(r.latency).summary(),
    memberEventsPerS: Math.round((s.memberEvents * 1000) / elapsedMs),
    serverCpuMsPer1000: r.joins > 0 ? Math.round((cpuMs * 1000 * 1000) / r.joins) / 1000 : 0,
    loadgenCpuMs,
  };
}
