import { describe, expect, it } from 'vitest';
import { Limiter } from '@sockudo-ts/push';

describe('Limiter', () => {
  it('runs at most its limit at once, in arrival order, and frees the slot of a task that fails', async () => {
    const limiter = new Limiter(2);
    const started: number[] = [];
    let peak = 0;
    const releases: Array<() => void> = [];
    const task = (n: number) => () =>
      new Promise<number>((resolve, reject) => {
        started.push(n);
        peak = Math.max(peak, limiter.inFlight);
        releases.push(() => (n === 1 ? reject(new Error('boom')) : resolve(n)));
      });
    // why: allSettled subscribes at once, so that the failing task's rejection is handled when it happens.
    const results = Promise.allSettled([1, 2, 3, 4, 5].map((n) => limiter.run(task(n))));
    await Promise.resolve();
    expect(started).toEqual([1, 2]);
    while (releases.length > 0) {
      releases.shift()!();
      await new Promise((r) => setTimeout(r, 0));
    }
    expect((await results).map((r) => (r.status === 'fulfilled' ? r.value : 'failed'))).toEqual(['failed', 2, 3, 4, 5]);
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(limiter.inFlight).toBe(0);
  });
});
