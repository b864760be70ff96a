// why: the module's own setImmediate: a test that fakes the global timers must not hold answers or frames.
import { setImmediate } from 'node:timers';

/**
 * TurnStage orders the writes done at the end of an event-loop turn: HTTP `answers` first, then WebSocket
 * `frames`. why: in a process that serves both (`npm start`), an API answer queued behind a broadcast's frames
 * waits for thousands of socket writes, and its publisher with it; first, it costs those writes microseconds.
 * Measured (`npm run bench -- --scenarios fanout`, 2,000 subscribers): frames first, 520 publishes/s at
 * saturation against 640 before the answers were batched; answers first, 640.
 */
export type TurnStage = 'answers' | 'frames';

let answers: Array<() => void> = [];
let frames: Array<() => void> = [];
let scheduled = false;

/**
 * atTurnEnd runs `task` at the end of this event-loop turn, once the turn's I/O callbacks have run (its check
 * phase): every `answers` task, then every `frames` task, each in the order given. A task given while they run
 * goes to the next turn. One `setImmediate` per turn, whoever asks.
 */
export function atTurnEnd(stage: TurnStage, task: () => void): void {
  if (stage === 'answers') answers.push(task);
  else frames.push(task);
  if (!scheduled) {
    scheduled = true;
    setImmediate(endTurn);
  }
}

function endTurn(): void {
  scheduled = false;
  const a = answers;
  const f = frames;
  answers = [];
  frames = [];
  for (const task of a) task();
  for (const task of f) task();
}
