/**
 * Scenario 1, fan-out: S subscribers on one public channel. A search finds the highest publish rate with
 * zero loss and p99 under a second (saturation); then a phase at a fixed rate, the same for every target (default: half of
 * baseline's saturating rate), gives latency and CPU per delivery under equal load.
 */
import type { Harness, PhaseResult } from '../harness.js';
import type { Options } from '../options.js';
import { sleep } from '../proc.js';
import type { RunningTarget } from '../targets.js';

/** FanoutShared carries the fixed rate from the baseline run to the other targets. */
export interface FanoutShared {
  fixedRate?: number;
}

/** SearchStep is one phase of the saturation search. */
export interface SearchStep {
  rate: number;
  pass: boolean;
  deliveriesPerS: number;
  loss: number;
  p99: number;
}

/** FanoutResult is the fan-out scenario's figures for one target. */
export interface FanoutResult {
  subscribers: number;
  /** saturation is the highest passing phase of the search (undefined when none passed). */
  saturation?: PhaseResult;
  fixed: PhaseResult;
  steps: SearchStep[];
}

/** STARTING_DELIVERIES is where the search starts, in deliveries/s. */
const STARTING_DELIVERIES = 40_000;
const GROWTH = 2;
/**
 * SUSTAINED_P99_MS: a rate passes only if p99 stays under this. why: a server past saturation can still
 * deliver everything within the drain window from a backlog, with latencies of seconds; that is not a
 * rate it sustains.
 */
const SUSTAINED_P99_MS = 1000;

/** fanout runs scenario 1 against a started target. */
export async function fanout(h: Harness, target: RunningTarget, o: Options, shared: FanoutShared, isBaseline: boolean): Promise<FanoutResult> {
  const S = o.subscribers;
  const ensureOpen = async (): Promise<void> => {
    if ((await h.stats()).open === S) return;
    await h.close();
    const opened = await h.open(target, S, ['fanout']);
    if (opened.failed > 0) throw new Error(`${opened.failed} of ${S} subscribers failed: ${opened.firstError}`);
  };
  await ensureOpen();
  const phase = (rate: number, durationMs = o.phaseMs): Promise<PhaseResult> =>
    h.phase(target, { rate, durationMs, channel: 'fanout' }, (r) => r.ok * S);
  await phase(Math.max(1, Math.round(10_000 / S)), 1000); // warm-up: JIT, buffers

  const steps: SearchStep[] = [];
  let best: PhaseResult | undefined;
  let failedAt: number | undefined;
  let rate = Math.max(1, Math.round(STARTING_DELIVERIES / S));
  for (let i = 0; i < o.searchSteps; i++) {
    const p = await phase(rate);
    const pass = p.loss === 0 && p.achievedRate >= 0.95 * rate && p.latency.p99 <= SUSTAINED_P99_MS;
    steps.push({ rate, pass, deliveriesPerS: p.deliveriesPerS, loss: p.loss, p99: p.latency.p99 });
    if (pass) best = p;
    else failedAt = rate;
    if (!pass) {
      await sleep(1000);
      await ensureOpen();
    }
    const next = failedAt === undefined ? rate * GROWTH : best !== undefined ? (best.rate + failedAt) / 2 : rate / 2;
    if (failedAt !== undefined && best !== undefined && failedAt / best.rate <= 1.12) break;
    rate = Math.max(1, Math.round(next));
    if (rate === best?.rate || rate === failedAt) break;
  }

  const fixedRate = o.rate ?? shared.fixedRate ?? Math.max(1, Math.round((best?.rate ?? rate) / 2));
  if (isBaseline && o.rate === undefined) shared.fixedRate = fixedRate;
  const fixed = await phase(fixedRate);
  await h.close();
  return { subscribers: S, saturation: best, fixed, steps };
}
