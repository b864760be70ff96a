/**
 * Scenario 7, abuse: what one attacker costs a well-behaved client (issue 14). Bystander sockets on channel
 * `bystander` receive events published at a fixed rate through the HTTP API; their publish-to-delivery
 * latency is measured while each attack of attacker.ts runs (from its own client address), each right after an
 * idle phase of the same length, and once more after the last attack (`after`: does the server recover). The
 * figure of merit is the ratio of an attack's latency to the idle phase just before it (goal: at most 2x); the
 * pairing keeps the shared machine's drifting load out of the ratio, and `--rounds` passes (3 by default) give
 * each ratio as a median with its range. Runs on the abuse targets only: the product's default limits, not the
 * bench config.
 */
import { setPriority } from 'node:os';
import type { AttackName, AttackResult } from '../attacker.js';
import type { Harness, PhaseResult } from '../harness.js';
import type { Options } from '../options.js';
import { sleep } from '../proc.js';
import { LoadProcess } from '../rpc.js';
import { APP, HANG_APP, type RunningTarget } from '../targets.js';

/** ATTACKS are run one after the other, in this order. */
export const ATTACKS: AttackName[] = ['subscribe-flood', 'frame-flood', 'connect-flood', 'http-flood', 'webhook-hang'];

/** SUBSCRIBERS are the bystander sockets; each event reaches all of them (one latency sample each). */
const SUBSCRIBERS = 10;
/** RATE is the bystander backend's publishes per second. */
const RATE = 50;
/** WARMUP_MS runs an attack before the measurement starts, so that it is in full swing (and backlogs built). */
const WARMUP_MS = 2000;
/** SETTLE_MS lets the server finish an attack's aftermath (closes, unsubscribes) before the next phase. */
const SETTLE_MS = 2000;
/**
 * BACKEND is the bystander backend's addresses (X-Forwarded-For through the trusted hop of the rate-limited
 * target): a backend of several hosts, so that its own publishes stay under the per-address API limit.
 */
const BACKEND = Array.from({ length: 64 }, (_, i) => `10.1.0.${i + 1}`);

/** AbusePhase is the bystander's figures in one phase, with the attack that ran meanwhile (none when idle). */
export interface AbusePhase extends PhaseResult {
  attack: AttackName | 'idle' | 'after';
  /** round numbers the pass over the attacks (`--rounds`), from 1. */
  round?: number;
  /** bystanderCloses counts bystander sockets the server closed during the phase. */
  bystanderCloses: number;
  /**
   * loopDelay is the server's own event-loop delay over the phase (p99 and max, ms; prom-client's monitor, 10 ms
   * resolution): a stall of the server shows here, the shared machine's scheduling of the load generator does not.
   */
  loopDelay?: { p99: number; max: number };
  attacker?: AttackResult;
}

/** AbuseResult is every phase of the abuse scenario on one target. */
export interface AbuseResult {
  subscribers: number;
  rate: number;
  phases: AbusePhase[];
}

/** abuse runs scenario 7 against a started abuse target. */
export async function abuse(h: Harness, target: RunningTarget, o: Options): Promise<AbuseResult> {
  const durationMs = 2 * o.phaseMs;
  const opened = await h.open(target, SUBSCRIBERS, ['bystander']);
  if (opened.failed > 0) throw new Error(`${opened.failed} of ${SUBSCRIBERS} bystander sockets failed: ${opened.firstError}`);
  const attacker = new LoadProcess(new URL('../attacker.js', import.meta.url));
  // why: the attacker shares the machine with the server; at the lowest priority it takes CPU from other
  // processes rather than from the server, as an attacker on another machine would.
  setPriority(attacker.pid, 19);
  const phases: AbusePhase[] = [];
  const measure = async (attack: AbusePhase['attack']): Promise<AbusePhase> => {
    await loopDelay(target);
    const p = await h.phase(target, { rate: RATE, durationMs, channel: 'bystander', forwardedFor: BACKEND }, (r) => r.ok * SUBSCRIBERS);
    const delay = await loopDelay(target);
    // why: phase() zeroes the clients' counters when it starts, so these closes happened during the phase.
    return { attack, bystanderCloses: (await h.stats()).unexpectedCloses, ...p, ...(delay === undefined ? {} : { loopDelay: delay }) };
  };
  try {
    for (let round = 1; round <= o.rounds; round++) {
      for (const [k, attack] of ATTACKS.entries()) {
        if (o.attacks !== undefined && !o.attacks.includes(attack)) continue;
        phases.push({ ...(await measure('idle')), round });
        const app = attack === 'webhook-hang' ? HANG_APP : APP;
        const running = attacker.call<AttackResult>('attack', {
          attack,
          port: target.wsPorts[0]!,
          appId: app.appId,
          key: app.key,
          durationMs: WARMUP_MS + durationMs + 3000,
          // why: a fresh address per attack and round, so that one attack's rate-limit windows do not carry over.
          from: `10.${65 + round}.${k}.1`,
        });
        await sleep(WARMUP_MS);
        const phase = await measure(attack);
        phase.attacker = await running;
        phases.push({ ...phase, round });
        await sleep(SETTLE_MS);
      }
    }
    phases.push({ ...(await measure('after')), round: o.rounds });
  } finally {
    attacker.kill();
    await h.close();
  }
  return { subscribers: SUBSCRIBERS, rate: RATE, phases };
}

/**
 * loopDelay reads the server's event-loop delay since the previous read (prom-client resets its monitor at each
 * scrape), in ms; undefined when the target has no metrics listener.
 */
async function loopDelay(target: RunningTarget): Promise<{ p99: number; max: number } | undefined> {
  if (target.metricsPort === undefined) return undefined;
  const text = await (await fetch(`http://127.0.0.1:${target.metricsPort}/metrics`)).text();
  const read = (name: string): number => Number(new RegExp(`^\\w*nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return { p99: read('p99'), max: read('max') };
}
