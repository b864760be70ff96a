import type { Platform } from './device.js';

/** ApnsPushType is the `apns-push-type` header Apple requires since iOS 13. */
export type ApnsPushType = 'alert' | 'background' | 'voip' | 'complication' | 'fileprovider' | 'mdm' | 'location' | 'liveactivity' | 'pushtotalk';

/**
 * ApnsNotification is the `apns` part of a publish, in Pusher Beams' shape: the `aps` dictionary and custom
 * `data` go into the body; the other fields become APNs request headers.
 */
export interface ApnsNotification {
  aps: Record<string, unknown>;
  data?: Record<string, unknown>;
  /** collapse_id becomes `apns-collapse-id` (at most 64 bytes). */
  collapse_id?: string;
  /** expiration is the unix time in seconds after which Apple drops it (`apns-expiration`); 0 = try once. */
  expiration?: number;
  /** priority is `apns-priority`: 10 now (default for alerts), 5 power-friendly (default for background), 1 lowest. */
  priority?: 1 | 5 | 10;
  /** push_type is `apns-push-type`; default `background` for a content-available-only aps, else `alert`. */
  push_type?: ApnsPushType;
}

/** FcmNotification is the `fcm` part of a publish, in Pusher Beams' (legacy FCM) shape, sent through FCM HTTP v1. */
export interface FcmNotification {
  notification?: {
    title?: string;
    body?: string;
    image?: string;
    icon?: string;
    sound?: string;
    tag?: string;
    color?: string;
    click_action?: string;
    android_channel_id?: string;
    body_loc_key?: string;
    body_loc_args?: string[];
    title_loc_key?: string;
    title_loc_args?: string[];
  };
  /** data is custom key-value pairs; FCM v1 carries only string values, so others are sent as JSON text. */
  data?: Record<string, unknown>;
  /** time_to_live is how long FCM keeps it for an offline device, in seconds (at most 2419200). */
  time_to_live?: number;
  collapse_key?: string;
  priority?: 'normal' | 'high';
}

/** WebNotification is the `web` part of a publish, in Pusher Beams' shape; the body is `{notification, data}` JSON. */
export interface WebNotification {
  notification?: {
    title?: string;
    body?: string;
    icon?: string;
    deep_link?: string;
    hide_notification_if_site_has_focus?: boolean;
  };
  data?: Record<string, unknown>;
  /** time_to_live is the push service's `TTL`, in seconds (at most 2419200). */
  time_to_live?: number;
  /** urgency is the RFC 8030 `Urgency` header. */
  urgency?: 'very-low' | 'low' | 'normal' | 'high';
  /** topic is the RFC 8030 `Topic` header: a newer message with the same topic replaces a pending one. */
  topic?: string;
}

/** PushNotification is what one publish sends, per platform; devices of a platform without a part are skipped. */
export interface PushNotification {
  apns?: ApnsNotification;
  fcm?: FcmNotification;
  web?: WebNotification;
}

/**
 * PAYLOAD_LIMITS are the providers' body limits in bytes: APNs 4096 (5120 for VoIP), FCM 4096, and Web Push
 * 4096 of encrypted record, which leaves 3993 bytes of JSON after aes128gcm's 86-byte header, 16-byte tag and
 * padding delimiter.
 */
export const PAYLOAD_LIMITS: Readonly<Record<Platform, number>> = { apns: 4096, fcm: 4096, web: 3993 };
/** APNS_VOIP_PAYLOAD_LIMIT is the APNs body limit for `voip` pushes, in bytes. */
export const APNS_VOIP_PAYLOAD_LIMIT = 5120;
/** MAX_TTL_SECONDS is the longest time to live a provider accepts (28 days). */
export const MAX_TTL_SECONDS = 2_419_200;

/** apnsBody is the exact APNs request body: `{aps, data}` JSON. */
export function apnsBody(n: ApnsNotification): string {
  return JSON.stringify(n.data === undefined ? { aps: n.aps } : { aps: n.aps, data: n.data });
}

/** webBody is the Web Push plaintext before encryption: `{notification, data}` JSON. */
export function webBody(n: WebNotification): string {
  return JSON.stringify({ notification: n.notification ?? {}, ...(n.data !== undefined ? { data: n.data } : {}) });
}

/** fcmPayloadBytes is the size FCM counts against its limit: the notification and data, as JSON bytes. */
export function fcmPayloadBytes(n: FcmNotification): number {
  return Buffer.byteLength(JSON.stringify({ notification: n.notification ?? {}, data: n.data ?? {} }));
}

/** payloadLimit is the byte limit for a platform's part of a notification. */
export function payloadLimit(platform: Platform, n: PushNotification): number {
  return platform === 'apns' && n.apns?.push_type === 'voip' ? APNS_VOIP_PAYLOAD_LIMIT : PAYLOAD_LIMITS[platform];
}

/** payloadBytes is the size of a platform's part of a notification, as that provider counts it. */
export function payloadBytes(platform: Platform, n: PushNotification): number {
  if (platform === 'apns') return n.apns ? Buffer.byteLength(apnsBody(n.apns)) : 0;
  if (platform === 'fcm') return n.fcm ? fcmPayloadBytes(n.fcm) : 0;
  return n.web ? Buffer.byteLength(webBody(n.web)) : 0;
}

/** NotificationProblem is why a notification cannot be sent: malformed (400) or over a size limit (413). */
export interface NotificationProblem {
  tooLarge: boolean;
  message: string;
}

/**
 * notificationProblem validates a publish's notification: at least one platform part, well-formed fields,
 * and every part within its provider's payload limit. Undefined when it can be sent.
 */
export function notificationProblem(value: unknown): NotificationProblem | undefined {
  const n = value as PushNotification | null;
  const invalid = (message: string): NotificationProblem => ({ tooLarge: false, message });
  if (typeof n !== 'object' || n === null) return invalid('a publish needs a notification object');
  if (n.apns === undefined && n.fcm === undefined && n.web === undefined) return invalid('a publish needs at least one of apns, fcm, web');
  const shape = apnsProblem(n.apns) ?? fcmProblem(n.fcm) ?? webProblem(n.web);
  if (shape !== undefined) return invalid(shape);
  for (const platform of ['apns', 'fcm', 'web'] as const) {
    if (n[platform] === undefined) continue;
    const bytes = payloadBytes(platform, n);
    const limit = payloadLimit(platform, n);
    if (bytes > limit) return { tooLarge: true, message: `the ${platform} payload is ${bytes} bytes; the limit is ${limit}` };
  }
  return undefined;
}

const PUSH_TYPES = new Set<string>(['alert', 'background', 'voip', 'complication', 'fileprovider', 'mdm', 'location', 'liveactivity', 'pushtotalk']);

function apnsProblem(a: ApnsNotification | undefined): string | undefined {
  if (a === undefined) return undefined;
  if (!isObject(a)) return 'apns must be an object';
  if (!isObject(a.aps)) return 'apns.aps must be an object';
  if (a.data !== undefined && !isObject(a.data)) return 'apns.data must be an object';
  if (a.collapse_id !== undefined && (typeof a.collapse_id !== 'string' || Buffer.byteLength(a.collapse_id) > 64)) return 'apns.collapse_id must be a string of at most 64 bytes';
  if (a.expiration !== undefined && !isWholeNumber(a.expiration)) return 'apns.expiration must be a unix time in seconds';
  if (a.priority !== undefined && a.priority !== 1 && a.priority !== 5 && a.priority !== 10) return 'apns.priority must be 1, 5 or 10';
  if (a.push_type !== undefined && !PUSH_TYPES.has(a.push_type)) return `apns.push_type must be one of ${[...PUSH_TYPES].join(', ')}`;
  return undefined;
}

function fcmProblem(f: FcmNotification | undefined): string | undefined {
  if (f === undefined) return undefined;
  if (!isObject(f)) return 'fcm must be an object';
  if (f.notification !== undefined && !isObject(f.notification)) return 'fcm.notification must be an object';
  if (f.data !== undefined && !isObject(f.data)) return 'fcm.data must be an object';
  if (f.time_to_live !== undefined && !ttlValid(f.time_to_live)) return `fcm.time_to_live must be whole seconds from 0 to ${MAX_TTL_SECONDS}`;
  if (f.priority !== undefined && f.priority !== 'normal' && f.priority !== 'high') return 'fcm.priority must be normal or high';
  if (f.collapse_key !== undefined && typeof f.collapse_key !== 'string') return 'fcm.collapse_key must be a string';
  return undefined;
}

function webProblem(w: WebNotification | undefined): string | undefined {
  if (w === undefined) return undefined;
  if (!isObject(w)) return 'web must be an object';
  if (w.notification !== undefined && !isObject(w.notification)) return 'web.notification must be an object';
  if (w.data !== undefined && !isObject(w.data)) return 'web.data must be an object';
  if (w.time_to_live !== undefined && !ttlValid(w.time_to_live)) return `web.time_to_live must be whole seconds from 0 to ${MAX_TTL_SECONDS}`;
  if (w.urgency !== undefined && !['very-low', 'low', 'normal', 'high'].includes(String(w.urgency))) return 'web.urgency must be very-low, low, normal or high';
  if (w.topic !== undefined && (typeof w.topic !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(w.topic))) return 'web.topic must be 1-32 base64url characters';
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isWholeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function ttlValid(value: unknown): boolean {
  return isWholeNumber(value) && value <= MAX_TTL_SECONDS;
}
