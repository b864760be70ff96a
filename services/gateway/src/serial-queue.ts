/** SerialTask is one unit of a socket's work: synchronous, or a promise the queue waits for. */
export type SerialTask = () => void | Promise<void>;

/**
 * SerialQueue runs tasks strictly one after another, in the order they were pushed: a task starts only
 * once the previous one returned (or its promise settled). An idle queue runs a pushed task at once, in the
 * caller's stack, so that a synchronous task (a ping) costs no promise. A task that throws or rejects is
 * reported to `onError` and the queue goes on; it never stalls.
 */
export class SerialQueue {
  private waiting: Array<SerialTask | undefined> = [];
  private head = 0;
  private busy = false;
  private idleWaiters?: Array<() => void>;

  /**
   * @param onError is told of a task's failure.
   * @param onIdle is called each time the queue runs dry (the last task finished).
   */
  constructor(
    private readonly onError: (err: unknown) => void,
    private readonly onIdle?: () => void,
  ) {}

  /** length counts the tasks not finished yet, the running one included. */
  get length(): number {
    return this.waiting.length - this.head + (this.busy ? 1 : 0);
  }

  /** push appends a task; it runs after every task pushed before it. */
  push(task: SerialTask): void {
    if (this.busy) {
      this.waiting.push(task);
      return;
    }
    this.busy = true;
    this.run(task);
  }

  /** idle resolves once every task pushed so far has finished. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => (this.idleWaiters ??= []).push(resolve));
  }

  private run(first: SerialTask): void {
    let task: SerialTask | undefined = first;
    while (task !== undefined) {
      let result: void | Promise<void> = undefined;
      try {
        result = task();
      } catch (err) {
        this.onError(err);
      }
      if (result !== undefined) {
        result.then(this.next, this.failed);
        return;
      }
      task = this.shift();
    }
    this.finish();
  }

  private readonly next = (): void => {
    const task = this.shift();
    if (task === undefined) this.finish();
    else this.run(task);
  };

  private readonly failed = (err: unknown): void => {
    this.onError(err);
    this.next();
  };

  private shift(): SerialTask | undefined {
    if (this.head === this.waiting.length) return undefined;
    const task = this.waiting[this.head];
    this.waiting[this.head++] = undefined;
    if (this.head === this.waiting.length) {
      // why: reset instead of Array.shift, which copies the whole backlog on every call.
      this.waiting = [];
      this.head = 0;
    }
    return task;
  }

  private finish(): void {
    this.busy = false;
    this.onIdle?.();
    const waiters = this.idleWaiters;
    if (waiters === undefined) return;
    this.idleWaiters = undefined;
    for (const resolve of waiters) resolve();
  }
}
