/**
 * Histogram records latencies in milliseconds in log-spaced buckets (2% wide, 1 us to ~100 s), so that
 * millions of samples cost a fixed 1 KB array and histograms from several processes merge by addition.
 */
export class Histogram {
  /** counts[i] is the number of samples in bucket i. */
  readonly counts: Float64Array;
  max = 0;
  total = 0;

  constructor(counts?: ArrayLike<number>, max = 0) {
    this.counts = new Float64Array(BUCKETS);
    if (counts !== undefined) {
      for (let i = 0; i < BUCKETS; i++) this.counts[i] = counts[i] ?? 0;
      this.total = this.counts.reduce((a, b) => a + b, 0);
    }
    this.max = max;
  }

  /** record adds one sample (milliseconds); negatives count as zero. */
  record(ms: number): void {
    const us = ms * 1000;
    const i = us <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(us) / LOG_STEP));
    this.counts[i]!++;
    this.total++;
    if (ms > this.max) this.max = ms;
  }

  /** merge adds another histogram's samples to this one. */
  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    if (other.max > this.max) this.max = other.max;
  }

  /** percentile returns the upper bound (ms) of the bucket holding quantile q (0..1); 0 when empty. */
  percentile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, Math.exp(i * LOG_STEP) / 1000);
    }
    return this.max;
  }

  /** summary is p50/p95/p99/max in milliseconds, rounded to 0.01 ms. */
  summary(): LatencySummary {
    const r = (v: number): number => Math.round(v * 100) / 100;
    return { p50: r(this.percentile(0.5)), p95: r(this.percentile(0.95)), p99: r(this.percentile(0.99)), max: r(this.max), samples: this.total };
  }

  /** toJSON is the form sent between processes: non-zero buckets only. */
  toJSON(): { buckets: Array<[number, number]>; max: number } {
    const buckets: Array<[number, number]> = [];
    this.counts.forEach((c, i) => c > 0 && buckets.push([i, c]));
    return { buckets, max: this.max };
  }

  /** fromJSON rebuilds a histogram sent by `toJSON`. */
  static fromJSON(json: { buckets: Array<[number, number]>; max: number }): Histogram {
    const h = new Histogram(undefined, json.max);
    for (const [i, c] of json.buckets) h.counts[i] = c;
    h.total = json.buckets.reduce((a, [, c]) => a + c, 0);
    return h;
  }
}

/** LatencySummary is a latency distribution in milliseconds. */
export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  samples: number;
}

const LOG_STEP = Math.log(1.02);
const BUCKETS = Math.ceil(Math.log(1e8) / LOG_STEP) + 1;
