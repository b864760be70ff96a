import { decide, type RateDecision, type RateLimiter } from './rate-limiter.js';

/** SWEEP_MS is how often windows that ended are forgotten. */
const SWEEP_MS = 10_000;

/**
 * MemoryRateLimiter counts in this process's memory (embedded server, or per-process limits). Ended windows
 * are swept every SWEEP_MS, so memory follows the number of keys active in the last window.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  async hit(key: string, limit: number, windowMs: number, cost = 1): Promise<RateDecision> {
    const now = this.now();
    let w = this.windows.get(key);
    if (w === undefined || w.endsAt <= now) {
      w = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, w);
    }
    w.count += cost;
    return decide(w.count, limit, w.endsAt - now);
  }

  /** size counts the windows held (leak checks). */
  size(): number {
    return this.windows.size;
  }

  /** sweep forgets windows that have ended. */
  sweep(): void {
    const now = this.now();
    for (const [key, w] of this.windows) if (w.endsAt <= now) this.windows.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.windows.clear();
  }
}
