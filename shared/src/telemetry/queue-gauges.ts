import { Gauge, type Registry } from 'prom-client';
import type { DeadLetterCounter, JobQueue } from '../queue/job-queue.js';

/**
 * registerQueueGauges adds `<prefix><name>_queue_depth` (jobs waiting or delayed, retries included) and
 * `<prefix><name>_dead_letters` to a registry, both read from the queue at scrape time; NaN while the queue
 * cannot answer. `what` names the jobs in the help texts, e.g. `Webhook`.
 */
export function registerQueueGauges(registry: Registry, prefix: string, name: string, what: string, queue: JobQueue<unknown> & DeadLetterCounter): void {
  const registers = [registry];
  new Gauge({
    name: `${prefix}${name}_queue_depth`,
    help: `${what} jobs waiting or delayed (retries included)`,
    registers,
    async collect() {
      this.set(await queue.depth().catch(() => Number.NaN));
    },
  });
  new Gauge({
    name: `${prefix}${name}_dead_letters`,
    help: `${what} jobs that failed for good and are kept for replay`,
    registers,
    async collect() {
      this.set(await queue.deadLetterCount().catch(() => Number.NaN));
    },
  });
}
