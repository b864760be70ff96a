import type { AppId, PublishId } from '../ids.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { Platform } from './device.js';
import { isPushJob, type PushJob } from './jobs.js';
import type { PublishStatusStore } from './publish-status.js';

/**
 * PushDeadLetter is a push job that failed for good, as shown to its app: which publish, which platform and
 * how many devices, never their tokens or the notification.
 */
export interface PushDeadLetter {
  id: string;
  publish_id: PublishId;
  /** kind is `publish` for a publish that could not be planned, `deliver` for devices that could not be reached. */
  kind: 'publish' | 'deliver';
  platform?: Platform;
  /** devices counts the devices of a `deliver` letter. */
  devices?: number;
  error: string;
  attempts: number;
  /** failed_at is the wall-clock ms it failed. */
  failed_at: number;
}

/**
 * PushDeadLetters is one app's view of the push queue's dead letters: it lists and replays only that app's
 * letters. A replayed letter gets a fresh retry budget, and its devices leave the publish's `failed` count
 * until they fail again.
 */
export class PushDeadLetters {
  constructor(
    private readonly queue: JobQueue<PushJob>,
    private readonly statuses: PublishStatusStore,
  ) {}

  /** list returns the app's dead letters, oldest first. */
  async list(app: AppId): Promise<PushDeadLetter[]> {
    const letters = await this.queue.deadLetters();
    return letters
      .filter((l) => isPushJob(l.job) && l.job.app_id === app)
      .sort((a, b) => a.failedAt - b.failedAt)
      .map((l) => ({
        id: l.id,
        publish_id: l.job.publish_id,
        kind: l.job.kind,
        ...(l.job.kind === 'deliver' ? { platform: l.job.platform, devices: l.job.device_ids.length } : {}),
        error: l.error,
        attempts: l.attempts,
        failed_at: l.failedAt,
      }));
  }

  /** replay queues the letter again; false when the app has no such letter. */
  async replay(app: AppId, id: string): Promise<boolean> {
    const letters = await this.queue.deadLetters();
    const letter = letters.find((l) => l.id === id);
    if (letter === undefined || !isPushJob(letter.job) || letter.job.app_id !== app) return false;
    if (!(await this.queue.replay(id))) return false;
    // why: only a buried delivery was counted as failed (by the worker, when it buried the devices).
    if (letter.job.kind === 'deliver' && letter.job.bury !== undefined) await this.statuses.record(app, letter.job.publish_id, 'failed', -letter.job.device_ids.length);
    return true;
  }
}
