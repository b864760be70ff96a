import type { App, DeliverJob, WebhookEvent } from '@sockudo-ts/shared';

/** Batch is the events collected for one endpoint of one app, sent in one request. */
export interface Batch {
  app: App;
  url: string;
  headers: Record<string, string>;
  events: WebhookEvent[];
}

interface Pending extends Batch {
  waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
  timer: NodeJS.Timeout;
}

/**
 * Batcher collects deliver jobs per (app, endpoint) for `durationMs` or until `size` events, then sends
 * them in one request. Each job's promise settles with its batch: a failed batch fails every job in it,
 * and the queue retries each of them (they may join later batches). Events of different apps never share
 * a batch, so a batch is always signed with its own app's secret.
 */
export class Batcher {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly durationMs: number,
    private readonly size: number,
    private readonly send: (batch: Batch) => Promise<void>,
  ) {}

  /** add puts a job's event in its batch; resolves when the batch was delivered, rejects when it failed. */
  add(app: App, job: DeliverJob): Promise<void> {
    const key = JSON.stringify([app.id, job.url, job.headers]);
    let batch = this.pending.get(key);
    if (batch === undefined) {
      const created: Pending = {
        app,
        url: job.url,
        headers: job.headers,
        events: [],
        waiters: [],
        timer: setTimeout(() => this.flush(key, created), this.durationMs),
      };
      batch = created;
      this.pending.set(key, batch);
    }
    const target = batch;
    return new Promise<void>((resolve, reject) => {
      target.events.push(job.event);
      target.waiters.push({ resolve, reject });
      if (target.events.length >= this.size) this.flush(key, target);
    });
  }

  /** flushAll sends every open batch now (shutdown). */
  flushAll(): void {
    for (const [key, batch] of this.pending) this.flush(key, batch);
  }

  private flush(key: string, batch: Pending): void {
    if (this.pending.get(key) !== batch) return;
    this.pending.delete(key);
    clearTimeout(batch.timer);
    this.send(batch).then(
      () => batch.waiters.forEach((w) => w.resolve()),
      (err: unknown) => batch.waiters.forEach((w) => w.reject(err)),
    );
  }
}
