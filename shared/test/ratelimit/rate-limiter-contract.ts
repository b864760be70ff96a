import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimiter } from '@sockudo-ts/shared';

/** describeRateLimiterContract runs the RateLimiter contract against one implementation. */
export function describeRateLimiterContract(name: string, make: () => Promise<RateLimiter>): void {
  describe(`${name} (RateLimiter contract)`, () => {
    let limiter: RateLimiter | undefined;
    afterEach(async () => {
      await limiter?.close();
      limiter = undefined;
    });

    it('allows up to the limit in a window, then refuses with the time left', async () => {
      limiter = await make();
      const decisions = [];
      for (let i = 0; i < 4; i++) decisions.push(await limiter.hit('k1', 3, 60_000));
      expect(decisions.map((d) => [d.allowed, d.remaining, d.limit])).toEqual([
        [true, 2, 3],
        [true, 1, 3],
        [true, 0, 3],
        [false, 0, 3],
      ]);
      expect(decisions[3]!.resetMs).toBeGreaterThan(0);
      expect(decisions[3]!.resetMs).toBeLessThanOrEqual(60_000);
    });

    it('counts keys apart and weighs hits by cost', async () => {
      limiter = await make();
      expect((await limiter.hit('a', 10, 60_000, 10)).allowed).toBe(true);
      expect((await limiter.hit('a', 10, 60_000, 1)).allowed).toBe(false);
      expect((await limiter.hit('b', 10, 60_000, 1)).remaining).toBe(9);
    });

    it('starts a new window once the old one ended', async () => {
      limiter = await make();
      // why: a window long enough that two back-to-back hits share it on a loaded machine; then waited out.
      expect((await limiter.hit('w', 1, 1500)).allowed).toBe(true);
      expect((await limiter.hit('w', 1, 1500)).allowed).toBe(false);
      await new Promise((r) => setTimeout(r, 1600));
      expect((await limiter.hit('w', 1, 1500)).allowed).toBe(true);
    });
  });
}
