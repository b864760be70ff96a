import {
  HttpError,
  PushDeadLetters,
  badRequest,
  newPublishId,
  notificationProblem,
  payloadBytes,
  payloadTooLarge,
  publishTargetProblem,
  registrationProblem,
  type AppId,
  type DeviceRegistration,
  type PublishId,
  type PublishJob,
  type PushNotification,
  type PushSettings,
  type PushStores,
} from '@sockudo-ts/shared';

/** PushLimits are the push API's admission limits (`push.*`). */
export type PushLimits = Pick<PushSettings['push'], 'default_ttl_seconds' | 'max_payload_bytes'>;

/**
 * PushApi is what the push routes (Sockudo's and the Pusher Beams APIs) share: the stores, the dead letters,
 * and the admission of a publish. A process without it answers the push routes with 404.
 */
export class PushApi {
  readonly deadLetters: PushDeadLetters;

  constructor(
    readonly stores: PushStores,
    private readonly limits: PushLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.deadLetters = new PushDeadLetters(stores.queue, stores.statuses);
  }

  /**
   * publish admits a publish body (`interests` or `users`, and the `apns` / `fcm` / `web` parts, as Pusher
   * Beams spells them): 400 for a malformed one, 413 for a part over its payload limit. It records the
   * publish as queued, queues it under its id and returns the id; the worker does the rest.
   */
  async publish(app: AppId, body: unknown, target?: 'interests' | 'users'): Promise<PublishId> {
    const b = asObject(body, 'the publish body');
    if (target === 'interests' && b.interests === undefined) throw badRequest('a publish to interests needs interests');
    if (target === 'users' && b.users === undefined) throw badRequest('a publish to users needs users');
    const problem = publishTargetProblem({ interests: b.interests, users: b.users });
    if (problem !== undefined) throw badRequest(problem);
    const notification: PushNotification = {
      ...(b.apns !== undefined ? { apns: b.apns as PushNotification['apns'] } : {}),
      ...(b.fcm !== undefined ? { fcm: b.fcm as PushNotification['fcm'] } : {}),
      ...(b.web !== undefined ? { web: b.web as PushNotification['web'] } : {}),
    };
    const shape = notificationProblem(notification);
    if (shape !== undefined) throw shape.tooLarge ? payloadTooLarge(shape.message) : badRequest(shape.message);
    for (const platform of ['apns', 'fcm', 'web'] as const) {
      if (notification[platform] === undefined) continue;
      const bytes = payloadBytes(platform, notification);
      const limit = this.limits.max_payload_bytes[platform];
      if (bytes > limit) throw payloadTooLarge(`the ${platform} payload is ${bytes} bytes; this server's limit is ${limit} (push.max_payload_bytes.${platform})`);
    }
    let ttl = this.limits.default_ttl_seconds;
    if (b.ttl_seconds !== undefined) {
      if (typeof b.ttl_seconds !== 'number' || !Number.isInteger(b.ttl_seconds) || b.ttl_seconds < 1 || b.ttl_seconds > 2_419_200) throw badRequest('ttl_seconds must be whole seconds from 1 to 2419200');
      ttl = b.ttl_seconds;
    }
    const publishId = newPublishId();
    const now = this.now();
    const targetOf = b.interests !== undefined ? { interests: b.interests as string[] } : { users: b.users as PublishJob['users'] & string[] };
    const job = { v: 1, kind: 'publish', app_id: app, publish_id: publishId, notification, created_at: now, expires_at: now + ttl * 1000, ...targetOf } as PublishJob;
    await this.stores.statuses.accepted(app, publishId);
    await this.stores.queue.add(job, { jobId: publishId });
    return publishId;
  }

  /** registration validates a device registration body (400 naming the problem). */
  registration(body: unknown): DeviceRegistration {
    const problem = registrationProblem(body);
    if (problem !== undefined) throw badRequest(problem);
    const r = body as DeviceRegistration;
    // why: only the known fields are kept; anything else a client sends is not stored.
    const common = {
      ...(r.metadata !== undefined ? { metadata: r.metadata } : {}),
      ...(r.user_id !== undefined ? { user_id: r.user_id } : {}),
      ...(r.interests !== undefined ? { interests: r.interests } : {}),
    };
    if (r.platform === 'web') return { platform: 'web', subscription: { endpoint: r.subscription.endpoint, keys: { p256dh: r.subscription.keys.p256dh, auth: r.subscription.keys.auth } }, ...common };
    return { platform: r.platform, token: r.token, ...common };
  }
}

/** asObject is a JSON body as an object, or 400 naming what it should have been. */
export function asObject(body: unknown, what: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest(`${what} must be a JSON object`);
  return body as Record<string, unknown>;
}

/** notServed is the 404 of a push route in a process without push (`push.enabled` off). */
export function notServed(): HttpError {
  return new HttpError(404, 'not_found', 'Push is not enabled on this server (push.enabled)');
}
