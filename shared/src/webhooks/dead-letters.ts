import type { JobQueue } from '../queue/job-queue.js';
import type { WebhookEvent } from './events.js';
import { isWebhookJob, type WebhookJob } from './jobs.js';

/** WebhookDeadLetter is a webhook that failed for good, as shown to its app (custom headers left out). */
export interface WebhookDeadLetter {
  id: string;
  /** url is the endpoint it was for; absent for an event that failed before endpoint selection. */
  url?: string;
  event: WebhookEvent;
  error: string;
  attempts: number;
  /** failed_at is the wall-clock ms of the last attempt. */
  failed_at: number;
}

/**
 * WebhookDeadLetters is one app's view of the webhook queue's dead letters: it lists and replays only the
 * letters of that app, so that one app can never see or resend another app's events.
 */
export class WebhookDeadLetters {
  constructor(private readonly queue: JobQueue<WebhookJob>) {}

  /** list returns the app's dead letters, oldest first. */
  async list(appId: string): Promise<WebhookDeadLetter[]> {
    const letters = await this.queue.deadLetters();
    return letters
      .filter((l) => isWebhookJob(l.job) && l.job.app_id === appId)
      .sort((a, b) => a.failedAt - b.failedAt)
      .map((l) => ({
        id: l.id,
        ...(l.job.kind === 'deliver' ? { url: l.job.url } : {}),
        event: l.job.event,
        error: l.error,
        attempts: l.attempts,
        failed_at: l.failedAt,
      }));
  }

  /** replay queues the letter again with a fresh retry budget; false when the app has no such letter. */
  async replay(appId: string, id: string): Promise<boolean> {
    const letters = await this.queue.deadLetters();
    const letter = letters.find((l) => l.id === id);
    if (letter === undefined || !isWebhookJob(letter.job) || letter.job.app_id !== appId) return false;
    return this.queue.replay(id);
  }
}
