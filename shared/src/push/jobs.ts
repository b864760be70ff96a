import { randomUUID } from 'node:crypto';
import { asPublishId, type AppId, type DeviceId, type PublishId, type UserId } from '../ids.js';
import { interestProblem, userIdProblem, type Platform } from './device.js';
import type { PushNotification } from './notification.js';

/** PUSH_QUEUE is the name of the job queue that carries push jobs (ARCHITECTURE.md). */
export const PUSH_QUEUE = 'push';

/** PUSH_JOB_VERSION is the `v` field of every push job this code writes. */
export const PUSH_JOB_VERSION = 1;

/** MAX_INTERESTS_PER_PUBLISH caps the interests of one publish (Pusher Beams' limit). */
export const MAX_INTERESTS_PER_PUBLISH = 100;
/** MAX_USERS_PER_PUBLISH caps the users of one publish (Pusher Beams' limit). */
export const MAX_USERS_PER_PUBLISH = 1000;

/** PublishTarget is who a publish goes to: the devices subscribed to any of some interests, or some users' devices. */
export type PublishTarget = { interests: string[]; users?: undefined } | { users: UserId[]; interests?: undefined };

/**
 * PublishJob is one accepted publish: the worker plans it into DeliverJobs (devices de-duplicated, capped by
 * `max_recipients_per_publish`). `publish_id` is the id receivers and the status API know it by.
 */
export type PublishJob = PublishTarget & {
  v: 1;
  kind: 'publish';
  app_id: AppId;
  publish_id: PublishId;
  notification: PushNotification;
  /** created_at is the wall-clock ms the publish was accepted. */
  created_at: number;
  /** expires_at is the wall-clock ms after which it is not sent (created_at + the default TTL). */
  expires_at: number;
};

/**
 * DeliverJob sends one publish to up to a batch of devices of one platform. Devices are named by id and read
 * at delivery time, so a refreshed token is used and a deleted device is skipped. A retry is a new
 * DeliverJob with the devices that still need it, `attempt` one higher and the same `first_attempt_at`.
 */
export interface DeliverJob {
  v: 1;
  kind: 'deliver';
  app_id: AppId;
  publish_id: PublishId;
  platform: Platform;
  device_ids: DeviceId[];
  /** notification holds only this platform's part. */
  notification: PushNotification;
  /** expires_at is when this platform's part expires (see platformExpiry), in wall-clock ms. */
  expires_at: number;
  /** attempt counts delivery attempts of these devices from 1. */
  attempt: number;
  /** first_attempt_at is the wall-clock ms of the first attempt; the retry budget counts from it. */
  first_attempt_at?: number;
  /**
   * bury carries devices that failed for good to the dead letters: the job whose queue id is `job_id` fails at
   * once with `reason`. A replayed letter runs under a new id, so it is delivered normally.
   */
  bury?: { job_id: string; reason: string };
}

/** PushJob is a job on the `push` queue: plain JSON with a version field. */
export type PushJob = PublishJob | DeliverJob;

/** newPublishId mints a publish id in Pusher Beams' format (`pubid-<uuid>`). */
export function newPublishId(): PublishId {
  return asPublishId(`pubid-${randomUUID()}`);
}

/** publishTargetProblem validates a publish's target: 1-100 interests or 1-1000 users, not both. */
export function publishTargetProblem(target: { interests?: unknown; users?: unknown }): string | undefined {
  const { interests, users } = target;
  if (interests !== undefined && users !== undefined) return 'a publish targets interests or users, not both';
  if (interests !== undefined) return listProblem('interests', interests, MAX_INTERESTS_PER_PUBLISH, interestProblem);
  if (users !== undefined) return listProblem('users', users, MAX_USERS_PER_PUBLISH, userIdProblem);
  return 'a publish needs interests or users';
}

/**
 * platformExpiry is when a platform's part of a publish expires, in wall-clock ms: the part's own
 * `expiration` (APNs) or `time_to_live` (FCM, Web) when given, else the publish's `expires_at`.
 */
export function platformExpiry(job: PublishJob, platform: Platform): number {
  const n = job.notification;
  if (platform === 'apns' && n.apns?.expiration !== undefined && n.apns.expiration > 0) return n.apns.expiration * 1000;
  const ttl = platform === 'fcm' ? n.fcm?.time_to_live : platform === 'web' ? n.web?.time_to_live : undefined;
  if (ttl !== undefined) return job.created_at + ttl * 1000;
  return job.expires_at;
}

/** isPushJob checks the shape and version of a job read back from a queue. */
export function isPushJob(value: unknown): value is PushJob {
  const j = value as Record<string, unknown> | null;
  if (typeof j !== 'object' || j === null || j.v !== PUSH_JOB_VERSION) return false;
  if (typeof j.app_id !== 'string' || typeof j.publish_id !== 'string' || typeof j.notification !== 'object' || j.notification === null) return false;
  if (typeof j.expires_at !== 'number') return false;
  if (j.kind === 'publish') return typeof j.created_at === 'number' && publishTargetProblem(j) === undefined;
  if (j.kind === 'deliver') {
    return (j.platform === 'apns' || j.platform === 'fcm' || j.platform === 'web') && Array.isArray(j.device_ids) && typeof j.attempt === 'number';
  }
  return false;
}

function listProblem(name: string, list: unknown, max: number, itemProblem: (item: unknown) => string | undefined): string | undefined {
  if (!Array.isArray(list) || list.length === 0) return `${name} must be a non-empty array`;
  if (list.length > max) return `a publish targets at most ${max} ${name}`;
  for (const item of list) {
    const problem = itemProblem(item);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
