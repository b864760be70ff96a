import { payloadBytes, payloadLimit, type AppId, type Device, type Platform, type PublishId, type PushNotification } from '@sockudo-ts/shared';

/**
 * SendOutcome is how one send ended: `delivered` (the provider accepted it), `retry` (try again later, not
 * before `retryAfterMs` when the provider said so), `invalid-token` (the device can never receive again:
 * remove it) or `rejected` (refused for good: a dead letter). Reasons never contain tokens, keys or payloads.
 */
export type SendOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; reason: string; status?: number; retryAfterMs?: number }
  | { kind: 'invalid-token'; reason: string; status: number }
  | { kind: 'rejected'; reason: string; status?: number };

/** SendRequest is one notification for one device. */
export interface SendRequest {
  device: Device;
  /** notification must hold the device's platform part; the others are ignored. */
  notification: PushNotification;
  publishId: PublishId;
  /** expiresAt is when the notification stops being worth delivering, in wall-clock ms. */
  expiresAt: number;
}

/**
 * PushProvider delivers notifications to the devices of one platform through its provider's real protocol.
 * `send` never throws: every failure is a SendOutcome, and every request has a timeout.
 */
export interface PushProvider {
  readonly platform: Platform;
  send(request: SendRequest): Promise<SendOutcome>;
  /** close ends the provider's connections; sends after close fail with `retry`. */
  close(): Promise<void>;
}

/**
 * ProviderDirectory finds the provider that delivers an app's devices of a platform; undefined when that
 * platform is not configured (those devices' deliveries become dead letters, replayable once it is).
 */
export interface ProviderDirectory {
  provider(app: AppId, platform: Platform): PushProvider | undefined;
  close(): Promise<void>;
}

/** StaticProviders is a ProviderDirectory with one provider per platform for every app (the server's config). */
export class StaticProviders implements ProviderDirectory {
  constructor(private readonly providers: Partial<Record<Platform, PushProvider>>) {}

  provider(_app: AppId, platform: Platform): PushProvider | undefined {
    return this.providers[platform];
  }

  async close(): Promise<void> {
    await Promise.allSettled(Object.values(this.providers).map((p) => p.close()));
  }
}

/** DEFAULT_TIMEOUT_MS is the default limit for one provider request, connection included. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * parseRetryAfter reads a `Retry-After` header (delay seconds or an HTTP date) as milliseconds from `now`;
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * statusOutcome is the common reading of an HTTP status: 2xx delivered; 408, 429 and 5xx retried (after
 * `Retry-After` when given); any other status refused for good. Providers check their invalid-token
 * answers first.
 */
export function statusOutcome(status: number, reason: string, retryAfter?: string | string[]): SendOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return { kind: 'retry', status, reason, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return { kind: 'rejected', status, reason };
}

/**
 * refusal is why a provider cannot send a request at all: a device of another platform, a publish without
 * a part for the platform, or a part over the provider's size limit (measured as that provider counts).
 */
export function refusal(platform: Platform, request: SendRequest): SendOutcome | undefined {
  if (request.device.platform !== platform) return { kind: 'rejected', reason: `not a ${platform} device` };
  if (request.notification[platform] === undefined) return { kind: 'rejected', reason: `the publish has no ${platform} part` };
  const bytes = payloadBytes(platform, request.notification);
  const limit = payloadLimit(platform, request.notification);
  return bytes > limit ? { kind: 'rejected', reason: `the ${platform} payload is ${bytes} bytes; the limit is ${limit}` } : undefined;
}

/** remainingSeconds is the whole seconds left until `expiresAt` (at least 0), for TTL headers. */
export function remainingSeconds(expiresAt: number, now = Date.now()): number {
  return Math.max(0, Math.floor((expiresAt - now) / 1000));
}
