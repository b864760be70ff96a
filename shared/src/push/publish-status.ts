import type { AppId, PublishId } from '../ids.js';

/** PublishOutcome is what finally happened to one device of a publish. */
export type PublishOutcome = 'delivered' | 'removed' | 'failed' | 'expired';

/** PUBLISH_OUTCOMES lists every outcome, in the order the status shows them. */
export const PUBLISH_OUTCOMES: readonly PublishOutcome[] = ['delivered', 'removed', 'failed', 'expired'];

/**
 * PublishState is where a publish is: `queued` (accepted, not planned yet), `delivering` (planned, devices
 * pending), `completed` (every device has an outcome) or `refused` (it could not be planned at all).
 */
export type PublishState = 'queued' | 'delivering' | 'completed' | 'refused';

/**
 * PublishStatus is one publish's progress. Counts are devices: `delivered` (the provider accepted it),
 * `removed` (the provider said the token is dead and the device was removed, or the device was deleted
 * before its turn), `failed` (refused for good, or retries spent: in the dead letters), `expired` (its time
 * to live ran out before delivery).
 */
export interface PublishStatus {
  publish_id: PublishId;
  app_id: AppId;
  state: PublishState;
  /** recipients is the number of devices planned; absent until the publish is planned. */
  recipients?: number;
  delivered: number;
  removed: number;
  failed: number;
  expired: number;
  /** error says why a refused publish could not be planned. */
  error?: string;
  /** updated_at is the wall-clock ms of the last change. */
  updated_at: number;
}

/**
 * PublishStatusStore keeps each publish's status for `publish_status_ttl_seconds` after its last change.
 * Writes are atomic increments, so that several workers can report on one publish at once, and a write for
 * a publish the store does not know creates it.
 */
export interface PublishStatusStore {
  /** accepted records a publish as queued. */
  accepted(app: AppId, id: PublishId): Promise<void>;
  /** planned records how many devices the publish goes to. */
  planned(app: AppId, id: PublishId, recipients: number): Promise<void>;
  /** record adds `count` devices (negative to take back, as a dead letter replay does) to an outcome. */
  record(app: AppId, id: PublishId, outcome: PublishOutcome, count: number): Promise<void>;
  /** refused marks a publish that could not be planned, with the reason. */
  refused(app: AppId, id: PublishId, error: string): Promise<void>;
  /** get returns the status; undefined when unknown or expired. */
  get(app: AppId, id: PublishId): Promise<PublishStatus | undefined>;
  close(): Promise<void>;
}

/** StoredStatus is a status as a store keeps it: counts and facts, without the derived state. */
export type StoredStatus = Omit<PublishStatus, 'state'>;

/** publishState derives a publish's state from its counts. */
export function publishState(s: StoredStatus): PublishState {
  if (s.error !== undefined) return 'refused';
  if (s.recipients === undefined) return 'queued';
  return s.delivered + s.removed + s.failed + s.expired >= s.recipients ? 'completed' : 'delivering';
}

/** withState is a stored status with its derived state. */
export function withState(s: StoredStatus): PublishStatus {
  return { ...s, state: publishState(s) };
}

/** DEFAULT_PUBLISH_STATUS_TTL_SECONDS is how long a status is kept by default: one day. */
export const DEFAULT_PUBLISH_STATUS_TTL_SECONDS = 86_400;
