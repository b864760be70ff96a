/** SerialTask is one unit of a socket's work: synchronous, or a promise the queue waits for. */
export type SerialTask = () => void | Promise<void>;

/**
 * SerialQueue runs tasks strictly one after another, in the order they were pushed: a task starts only
 * once the previous one returned (or its promise settled). An idle queue runs a pushed task at once, in the
 * caller's stack, so that a synchronous task (a ping) costs no promise. A task that throws or rejects is
 * reported to `onError` and the queue goes on; it never stalls.
 * why: the callbacks take the owner instead of closing over it, so that an idle socket's queue holds no
 * closures of its own (one queue per socket).
 */
export class SerialQueue<T> {
  private waiting?: Array<SerialTask | undefined>;
  private head = 0;
  private busy = false;
  private idleWaiters?: Array<() => void>;

  /**
   * @param owner is passed to the callbacks.
   * @param onError is told of a task's failure.
   * @param onIdle is called each time the queue runs dry (the last task finished).
   */
  constructor(
    private readonly owner: T,
    private readonly onError: (owner: T, err: unknown) => void,
    private readonly onIdle?: (owner: T) => void,
  ) {}

  /** length counts the tasks not finished yet, the running one included. */
  get length(): number {
    return (this.waiting === undefined ? 0 : this.waiting.length - this.head) + (this.busy ? 1 : 0);
  }

  /** push appends a task; it runs after every task pushed before it. */
  push(task: SerialTask): void {
    if (this.busy) {
      (this.waiting ??= []).push(task);
      return;
    }
    this.busy = true;
    this.run(task);
  }

  /**
   * clear drops every task that has not started; the running one (if any) finishes, and tasks pushed
   * afterwards run as usual.
   */
  clear(): void {
    if (this.waiting === undefined) return;
    this.waiting = undefined;
    this.head = 0;
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
        this.onError(this.owner, err);
      }
      if (result !== undefined) {
        result.then(
          () => this.next(),
          (err: unknown) => {
            this.onError(this.owner, err);
            this.next();
          },
        );
        return;
      }
      task = this.shift();
    }
    this.finish();
  }

  private next(): void {
    const task = this.shift();
    if (task === undefined) this.finish();
    else this.run(task);
  }

  private shift(): SerialTask | undefined {
    const waiting = this.waiting;
    if (waiting === undefined) return undefined;
    const task = waiting[this.head];
    waiting[this.head++] = undefined;
    if (this.head === waiting.length) {
      // why: drop the drained backlog instead of Array.shift, which copies it on every call.
      this.waiting = undefined;
      this.head = 0;
    }
    return task;
  }

  private finish(): void {
    this.busy = false;
    this.onIdle?.(this.owner);
    const waiters = this.idleWaiters;
    if (waiters === undefined) return;
    this.idleWaiters = undefined;
    for (const resolve of waiters) resolve();
  }
}
