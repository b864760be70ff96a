import { afterEach, describe, expect, it, vi } from 'vitest';
import { atTurnEnd } from '@sockudo-ts/shared';

/** nextTurn resolves after the current turn's end-of-turn work (a setImmediate queued now runs after it). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('atTurnEnd: writes at the end of the event-loop turn, HTTP answers before WebSocket frames', () => {
  afterEach(() => vi.useRealTimers());

  it('runs the answers before the frames whatever order they were given in, each stage in order', async () => {
    const ran: string[] = [];
    atTurnEnd('frames', () => ran.push('frames 1'));
    atTurnEnd('answers', () => ran.push('answers 1'));
    atTurnEnd('frames', () => ran.push('frames 2'));
    atTurnEnd('answers', () => ran.push('answers 2'));
    expect(ran).toEqual([]);
    await nextTurn();
    expect(ran).toEqual(['answers 1', 'answers 2', 'frames 1', 'frames 2']);
  });

  it('runs after the microtasks and next-tick callbacks of its turn, not before', async () => {
    const ran: string[] = [];
    atTurnEnd('answers', () => ran.push('answer'));
    queueMicrotask(() => ran.push('microtask'));
    process.nextTick(() => ran.push('tick'));
    await nextTurn();
    expect(ran).toHaveLength(3);
    expect(ran[2]).toBe('answer');
  });

  it('puts a task given while the turn ends into the next turn', async () => {
    const ran: string[] = [];
    atTurnEnd('frames', () => {
      ran.push('frames');
      atTurnEnd('answers', () => ran.push('late answer'));
    });
    await nextTurn();
    expect(ran).toEqual(['frames']);
    await nextTurn();
    expect(ran).toEqual(['frames', 'late answer']);
  });

  it('still runs when a test has faked the global timers', async () => {
    vi.useFakeTimers();
    const done = new Promise<string>((resolve) => atTurnEnd('answers', () => resolve('ran')));
    expect(await done).toBe('ran');
  }, 10_000);
});
