import type { AppId, DeviceId, UserId } from '../ids.js';

/** Platform is a push provider family: Apple (APNs), Firebase Cloud Messaging, or browser Web Push. */
export type Platform = 'apns' | 'fcm' | 'web';

/** PLATFORMS lists every platform, in the order the planner and the metrics use. */
export const PLATFORMS: readonly Platform[] = ['apns', 'fcm', 'web'];

/** WebPushSubscription is a browser's PushSubscription as `toJSON()` gives it (RFC 8030 / RFC 8291 keys). */
export interface WebPushSubscription {
  /** endpoint is the push service URL the notification is POSTed to (https). */
  endpoint: string;
  keys: {
    /** p256dh is the browser's P-256 public key, uncompressed point, base64url (65 bytes). */
    p256dh: string;
    /** auth is the 16-byte authentication secret, base64url. */
    auth: string;
  };
}

/** DeviceAddress is where a device receives pushes: a provider token, or a Web Push subscription. */
export type DeviceAddress = { platform: 'apns' | 'fcm'; token: string } | { platform: 'web'; subscription: WebPushSubscription };

/** DeviceRegistration is what a client registers: its address plus optional metadata, user and interests. */
export type DeviceRegistration = DeviceAddress & {
  /** metadata is free JSON the client reports (SDK and OS versions); at most METADATA_MAX_BYTES. */
  metadata?: Record<string, unknown>;
  user_id?: UserId;
  interests?: string[];
};

/** Device is one registered device of one app, as the store keeps it. Times are wall-clock ms. */
export type Device = DeviceAddress & {
  id: DeviceId;
  app_id: AppId;
  user_id?: UserId;
  /** interests are the device's interest names, sorted, without duplicates. */
  interests: string[];
  metadata: Record<string, unknown>;
  created_at: number;
  updated_at: number;
};

/** DeviceUpdate changes a registered device: a refreshed address (same platform) and/or new metadata. */
export interface DeviceUpdate {
  token?: string;
  subscription?: WebPushSubscription;
  metadata?: Record<string, unknown>;
}

/** INTEREST_MAX_LENGTH is the longest interest name, in characters (Pusher Beams' limit). */
export const INTEREST_MAX_LENGTH = 164;
/** MAX_INTERESTS_PER_DEVICE caps one device's interests (Pusher Beams' limit). */
export const MAX_INTERESTS_PER_DEVICE = 5000;
/** USER_ID_MAX_LENGTH is the longest user id, in characters (Pusher Beams' limit). */
export const USER_ID_MAX_LENGTH = 164;
/** METADATA_MAX_BYTES caps a device's metadata, as UTF-8 JSON bytes. */
export const METADATA_MAX_BYTES = 2048;
/** TOKEN_MAX_LENGTH caps an APNs or FCM token, in characters. */
export const TOKEN_MAX_LENGTH = 4096;

const INTEREST = /^[A-Za-z0-9_\-=@,.;]+$/;
const HEX = /^[0-9a-fA-F]+$/;
const TOKEN = /^[\x21-\x7e]+$/;

/** interestProblem says what is wrong with an interest name (Beams' alphabet `A-Za-z0-9_-=@,.;`), or undefined. */
export function interestProblem(interest: unknown): string | undefined {
  if (typeof interest !== 'string' || interest === '') return 'an interest must be a non-empty string';
  if (interest.length > INTEREST_MAX_LENGTH) return `interest "${interest.slice(0, 20)}..." is longer than ${INTEREST_MAX_LENGTH} characters`;
  if (!INTEREST.test(interest)) return `interest "${interest}" contains a forbidden character (allowed: A-Z a-z 0-9 _ - = @ , . ;)`;
  return undefined;
}

/** interestsProblem checks a whole interest list: each name, and at most MAX_INTERESTS_PER_DEVICE of them. */
export function interestsProblem(interests: unknown): string | undefined {
  if (!Array.isArray(interests)) return 'interests must be an array of strings';
  if (interests.length > MAX_INTERESTS_PER_DEVICE) return `a device can have at most ${MAX_INTERESTS_PER_DEVICE} interests`;
  for (const interest of interests) {
    const problem = interestProblem(interest);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** userIdProblem says what is wrong with a push user id, or undefined. */
export function userIdProblem(userId: unknown): string | undefined {
  if (typeof userId !== 'string' || userId === '') return 'a user id must be a non-empty string';
  if (userId.length > USER_ID_MAX_LENGTH) return `a user id is at most ${USER_ID_MAX_LENGTH} characters`;
  return undefined;
}

/**
 * tokenProblem checks an APNs or FCM token: APNs tokens are hex (64 characters today; Apple may lengthen
 * them), FCM tokens printable ASCII. Never echoes the token, which is a credential of its device.
 */
export function tokenProblem(platform: 'apns' | 'fcm', token: unknown): string | undefined {
  if (typeof token !== 'string' || token === '') return `a ${platform} device needs a non-empty token`;
  if (token.length > TOKEN_MAX_LENGTH) return `a ${platform} token is at most ${TOKEN_MAX_LENGTH} characters`;
  if (platform === 'apns' && (!HEX.test(token) || token.length % 2 !== 0)) return 'an apns token must be an even number of hex digits';
  if (platform === 'fcm' && !TOKEN.test(token)) return 'an fcm token must be printable ASCII without spaces';
  return undefined;
}

/** subscriptionProblem checks a Web Push subscription: an https endpoint and well-formed p256dh/auth keys. */
export function subscriptionProblem(subscription: unknown): string | undefined {
  const s = subscription as Partial<WebPushSubscription> | null;
  if (typeof s !== 'object' || s === null) return 'a web device needs a subscription object';
  let url: URL;
  try {
    url = new URL(String(s.endpoint));
  } catch {
    return 'subscription.endpoint must be a URL';
  }
  if (url.protocol !== 'https:') return 'subscription.endpoint must be an https URL';
  if (String(s.endpoint).length > 2048) return 'subscription.endpoint is at most 2048 characters';
  const keys = s.keys as Partial<WebPushSubscription['keys']> | undefined;
  const p256dh = base64urlBytes(keys?.p256dh);
  if (p256dh === undefined || p256dh.length !== 65 || p256dh[0] !== 0x04) return 'subscription.keys.p256dh must be a base64url P-256 public key (65 bytes)';
  const auth = base64urlBytes(keys?.auth);
  if (auth === undefined || auth.length !== 16) return 'subscription.keys.auth must be a base64url 16-byte secret';
  return undefined;
}

/** metadataProblem checks device metadata: a JSON object of at most METADATA_MAX_BYTES. */
export function metadataProblem(metadata: unknown): string | undefined {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return 'metadata must be a JSON object';
  if (Buffer.byteLength(JSON.stringify(metadata)) > METADATA_MAX_BYTES) return `metadata is at most ${METADATA_MAX_BYTES} bytes of JSON`;
  return undefined;
}

/** registrationProblem validates a whole registration (address, metadata, user, interests), or undefined. */
export function registrationProblem(registration: unknown): string | undefined {
  const r = registration as Partial<DeviceRegistration> & { token?: unknown; subscription?: unknown };
  if (typeof r !== 'object' || r === null) return 'a device registration must be a JSON object';
  if (r.platform === 'apns' || r.platform === 'fcm') {
    const problem = tokenProblem(r.platform, r.token);
    if (problem !== undefined) return problem;
  } else if (r.platform === 'web') {
    const problem = subscriptionProblem(r.subscription);
    if (problem !== undefined) return problem;
  } else {
    return 'platform must be one of apns, fcm, web';
  }
  return (
    (r.metadata !== undefined ? metadataProblem(r.metadata) : undefined) ??
    (r.user_id !== undefined ? userIdProblem(r.user_id) : undefined) ??
    (r.interests !== undefined ? interestsProblem(r.interests) : undefined)
  );
}

/**
 * deviceAddressKey is the unique key of a device's address within its app: registering the same token (or
 * Web Push endpoint) again updates that device instead of adding a second one.
 */
export function deviceAddressKey(address: DeviceAddress): string {
  return address.platform === 'web' ? `web:${address.subscription.endpoint}` : `${address.platform}:${address.token}`;
}

function base64urlBytes(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+={0,2}$/.test(value)) return undefined;
  return Buffer.from(value, 'base64url');
}
