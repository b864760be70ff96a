import type { AppId, PublishId } from '../ids.js';
import { DEFAULT_PUBLISH_STATUS_TTL_SECONDS, withState, type PublishOutcome, type PublishStatus, type PublishStatusStore, type StoredStatus } from './publish-status.js';

interface Entry {
  status: StoredStatus;
  expiresAt: number;
}

/**
 * MemoryPublishStatusStore keeps publish statuses in this process for `ttlSeconds` after their last change.
 * Expired entries are dropped when read and by a sweep on writes, so memory stays bounded by the TTL.
 */
export class MemoryPublishStatusStore implements PublishStatusStore {
  private readonly entries = new Map<string, Entry>();
  private nextSweep = 0;

  constructor(
    private readonly ttlSeconds = DEFAULT_PUBLISH_STATUS_TTL_SECONDS,
    private readonly now: () => number = Date.now,
  ) {}

  async accepted(app: AppId, id: PublishId): Promise<void> {
    this.touch(app, id);
  }

  async planned(app: AppId, id: PublishId, recipients: number): Promise<void> {
    this.touch(app, id).recipients = recipients;
  }

  async record(app: AppId, id: PublishId, outcome: PublishOutcome, count: number): Promise<void> {
    this.touch(app, id)[outcome] += count;
  }

  async refused(app: AppId, id: PublishId, error: string): Promise<void> {
    this.touch(app, id).error = error;
  }

  async get(app: AppId, id: PublishId): Promise<PublishStatus | undefined> {
    const key = keyOf(app, id);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return withState(structuredClone(entry.status));
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  private touch(app: AppId, id: PublishId): StoredStatus {
    const now = this.now();
    this.sweep(now);
    const key = keyOf(app, id);
    let entry = this.entries.get(key);
    if (entry === undefined || entry.expiresAt <= now) {
      entry = { status: { publish_id: id, app_id: app, delivered: 0, removed: 0, failed: 0, expired: 0, updated_at: now }, expiresAt: 0 };
      this.entries.set(key, entry);
    }
    entry.status.updated_at = now;
    entry.expiresAt = now + this.ttlSeconds * 1000;
    return entry.status;
  }

  // why: a status nobody reads again would otherwise stay forever; sweep at most once a second.
  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + 1000;
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}

function keyOf(app: AppId, id: PublishId): string {
  return `${app}\u0000${id}`;
}
