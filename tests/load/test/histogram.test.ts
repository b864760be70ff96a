import { describe, expect, it } from 'vitest';
import { Histogram } from '../src/histogram.js';

describe('Histogram', () => {
  it('reports percentiles within its 2 % bucket width', () => {
    const h = new Histogram();
    for (let i = 1; i <= 10_000; i++) h.record(i / 100); // 0.01 .. 100 ms
    const s = h.summary();
    expect(s.samples).toBe(10_000);
    expect(s.p50).toBeGreaterThanOrEqual(50);
    expect(s.p50).toBeLessThanOrEqual(51.1);
    expect(s.p99).toBeGreaterThanOrEqual(99);
    expect(s.p99).toBeLessThanOrEqual(100);
    expect(s.max).toBe(100);
  });

  it('merges histograms sent between processes as JSON', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let i = 0; i < 100; i++) a.record(1);
    for (let i = 0; i < 100; i++) b.record(10);
    const merged = Histogram.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    merged.merge(Histogram.fromJSON(JSON.parse(JSON.stringify(b.toJSON()))));
    expect(merged.total).toBe(200);
    expect(merged.percentile(0.25)).toBeCloseTo(1, 1);
    expect(merged.percentile(0.75)).toBeGreaterThan(9.8);
    expect(merged.max).toBe(10);
  });

  it('is empty-safe', () => {
    expect(new Histogram().summary()).toEqual({ p50: 0, p95: 0, p99: 0, max: 0, samples: 0 });
  });
});
