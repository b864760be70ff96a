/**
 * Scenario 7, abuse: what one attacker costs a well-behaved client (issue 14). Bystander sockets on channel
 * `bystander` receive events published at a fixed rate through the HTTP API; their publish-to-delivery
 * latency is measured while each attack of attacker.ts runs (from its own client address), each right after an
 * idle phase of the same length, and once more after the last attack (`after`: does the server recover). The
 * figure of merit is the ratio of an attack's latency to the idle phase just before it (goal: at most 2x); the
 * pairing keeps the shared machine's drifting load out of the ratio. Runs on the abuse targets only: the
 * product's default limits, not the bench config.
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
  /** bystanderCloses counts bystander sockets the server closed during the phase. */
  bystanderCloses: number;
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
    const p = await h.phase(target, { rate: RATE, durationMs, channel: 'bystander', forwardedFor: BACKEND }, (r) => r.ok * SUBSCRIBERS);
    // why: phase() zeroes the clients' counters when it starts, so these closes happened during the phase.
    return { attack, bystanderCloses: (await h.stats()).unexpectedCloses, ...p };
  };
  try {
    for (const [k, attack] of ATTACKS.entries()) {
      if (o.attacks !== undefined && !o.attacks.includes(attack)) continue;
      phases.push(await measure('idle'));
      const app = attack === 'webhook-hang' ? HANG_APP : APP;
      const running = attacker.call<AttackResult>('attack', {
        attack,
        port: target.wsPorts[0]!,
        appId: app.appId,
        key: app.key,
        durationMs: WARMUP_MS + durationMs + 3000,
        from: `10.66.${k}.1`,
      });
      await sleep(WARMUP_MS);
      const phase = await measure(attack);
      phase.attacker = await running;
      phases.push(phase);
      await sleep(SETTLE_MS);
    }
    phases.push(await measure('after'));
  } finally {
    attacker.kill();
    await h.close();
  }
  return { subscribers: SUBSCRIBERS, rate: RATE, phases };
}
