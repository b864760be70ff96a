import { describe, expect, it } from 'vitest';
import { CircuitBreakers } from '../src/circuit.js';

describe('CircuitBreakers', () => {
  it('opens after the threshold of failures in a row, lets one trial through after the cooldown, and closes on success', () => {
    let now = 0;
    const c = new CircuitBreakers(3, 1000, () => now);
    for (let i = 0; i < 2; i++) {
      expect(c.allow('u')).toBe(true);
      c.failed('u');
    }
    expect(c.allow('u')).toBe(true);
    c.failed('u');
    expect(c.isOpen('u')).toBe(true);
    expect(c.allow('u')).toBe(false);
    expect(c.allow('other')).toBe(true);
    now += 1001;
    expect(c.allow('u')).toBe(true);
    expect(c.allow('u')).toBe(false);
    c.failed('u');
    expect(c.allow('u')).toBe(false);
    now += 1001;
    expect(c.allow('u')).toBe(true);
    c.succeeded('u');
    expect(c.isOpen('u')).toBe(false);
    expect(c.allow('u')).toBe(true);
    expect(c.size()).toBe(0);
  });

  it('is off with a threshold of zero', () => {
    const c = new CircuitBreakers(0, 1000);
    for (let i = 0; i < 10; i++) c.failed('u');
    expect(c.allow('u')).toBe(true);
    expect(c.size()).toBe(0);
  });
});
