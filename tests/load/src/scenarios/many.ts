/**
 * Scenario 2, many channels: N sockets each on its own channel `c-<i>` plus the channel `shared`;
 * publishes at a fixed rate go to random own channels, one in SHARED_EVERY to `shared`.
 */
import type { Harness, PhaseResult } from '../harness.js';
import type { Options } from '../options.js';
import type { RunningTarget } from '../targets.js';

/** SHARED_EVERY: one publish in this many goes to the shared channel (and reaches every socket). */
const SHARED_EVERY = 50;

/** ManyResult is the many-channels scenario's figures for one target. */
export interface ManyResult extends PhaseResult {
  sockets: number;
  subscriptions: number;
  /** subscribeMs is how long opening and subscribing every socket took. */
  subscribeMs: number;
}

/** many runs scenario 2 against a started target. */
export async function many(h: Harness, target: RunningTarget, o: Options): Promise<ManyResult> {
  const N = o.channels;
  const t0 = Date.now();
  const opened = await h.open(target, N, ['c-{i}', 'shared']);
  if (opened.failed > 0) throw new Error(`${opened.failed} of ${N} sockets failed: ${opened.firstError}`);
  const subscribeMs = Date.now() - t0;
  const p = await h.phase(
    target,
    { rate: o.manyRate, durationMs: o.phaseMs, channel: 'shared', randomOf: N, sharedEvery: SHARED_EVERY },
    (r) => r.ok - r.shared + r.shared * N,
  );
  await h.close();
  return { sockets: N, subscriptions: 2 * N, subscribeMs, ...p };
}
