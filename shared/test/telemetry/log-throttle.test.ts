import { describe, expect, it } from 'vitest';
import { LogThrottle } from '@sockudo-ts/shared';

describe('LogThrottle', () => {
  it('writes the first line of a kind, holds the rest back for the interval, then writes one with the count held back', () => {
    let now = 1_000;
    const throttle = new LogThrottle(10_000, () => now);
    expect(throttle.pass('presence')).toEqual({ suppressed: 0 });
    for (let i = 0; i < 500; i++) expect(throttle.pass('presence')).toBeUndefined();
    // another kind is not held back by the first
    expect(throttle.pass('redis')).toEqual({ suppressed: 0 });
    now += 9_999;
    expect(throttle.pass('presence')).toBeUndefined();
    now += 1;
    expect(throttle.pass('presence')).toEqual({ suppressed: 501 });
    now += 10_000;
    expect(throttle.pass('presence')).toEqual({ suppressed: 0 });
  });
});
