/**
 * Limiter runs at most `max` tasks at once; the others wait in arrival order. The worker keeps one per
 * provider, so that however many jobs run at once, each provider sees a bounded number of requests in flight.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {
    if (!(max >= 1)) throw new Error('a limiter needs a limit of at least 1');
  }

  /** run starts `task` when a slot is free and resolves with its result. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // why: hand the slot straight to the next waiter, so that a newcomer cannot overtake it.
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.active--;
    }
  }

  /** inFlight is the number of tasks running now. */
  get inFlight(): number {
    return this.active;
  }
}
