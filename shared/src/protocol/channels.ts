/** ChannelKind is the auth family of a channel, decided by its prefix (PROTOCOL.md §4). */
export type ChannelKind = 'public' | 'private' | 'encrypted' | 'presence' | 'server-to-user';

/** ChannelType describes a channel name: its auth family and whether it keeps its last event. */
export interface ChannelType {
  kind: ChannelKind;
  /** cache is true for the `cache-` variants, which replay the last event on subscribe. */
  cache: boolean;
}

/** SERVER_TO_USER_PREFIX is the prefix of the per-user channel that `sendToUser` publishes to. */
export const SERVER_TO_USER_PREFIX = '#server-to-user-';

/**
 * channelType classifies a channel name with anchored prefix checks, in the order of PROTOCOL.md §4:
 * `private-encrypted-`, `private-`, `presence-`, `#server-to-user-`, else public; each may carry `cache-`.
 */
export function channelType(name: string): ChannelType {
  if (name.startsWith('private-encrypted-')) {
    return { kind: 'encrypted', cache: name.startsWith('private-encrypted-cache-') };
  }
  if (name.startsWith('private-')) return { kind: 'private', cache: name.startsWith('private-cache-') };
  if (name.startsWith('presence-')) return { kind: 'presence', cache: name.startsWith('presence-cache-') };
  if (name.startsWith(SERVER_TO_USER_PREFIX)) return { kind: 'server-to-user', cache: false };
  return { kind: 'public', cache: name.startsWith('cache-') };
}

/** isPresenceChannel is true for `presence-` channels (including `presence-cache-`). */
export function isPresenceChannel(name: string): boolean {
  return name.startsWith('presence-');
}

/** isCacheChannel is true for every cache variant of every channel kind. */
export function isCacheChannel(name: string): boolean {
  return channelType(name).cache;
}

/** needsAuth is true when subscribing requires a signature from the app's auth endpoint. */
export function needsAuth(kind: ChannelKind): boolean {
  return kind === 'private' || kind === 'encrypted' || kind === 'presence';
}

const NAME_CHARS = /^[A-Za-z0-9_\-=@,.;]+$/;
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * channelNameProblem returns why a channel name is invalid, or undefined when it is valid.
 * Names use `A-Z a-z 0-9 _ - = @ , . ;` and are 1..maxLength long; `#server-to-user-<id>` is the exception,
 * whose user id may hold any character but control characters.
 */
export function channelNameProblem(name: unknown, maxLength: number): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'channel name must be a non-empty string';
  if (name.length > maxLength) return `channel name is longer than ${maxLength} characters`;
  if (name.startsWith(SERVER_TO_USER_PREFIX)) {
    // why: the SDKs accept any non-empty user id (auth0|123, e-mail addresses) and sendToUser publishes to
    // `#server-to-user-<id>` unchanged, so the id part is only kept free of control characters.
    const userId = name.slice(SERVER_TO_USER_PREFIX.length);
    if (userId.length === 0) return 'server-to-user channel names need a user id';
    if (CONTROL_CHARS.test(userId)) return 'user id in a server-to-user channel has control characters';
    // why: a lone surrogate has no UTF-8 form; two such names would encode to the same bus subject.
    if (!userId.isWellFormed()) return 'user id in a server-to-user channel is not valid Unicode';
    return undefined;
  }
  if (!NAME_CHARS.test(name)) return 'channel name has characters outside A-Z a-z 0-9 _ - = @ , . ;';
  return undefined;
}

/** serverToUserId returns the user id of a `#server-to-user-<id>` channel, or undefined for other channels. */
export function serverToUserId(name: string): string | undefined {
  return name.startsWith(SERVER_TO_USER_PREFIX) ? name.slice(SERVER_TO_USER_PREFIX.length) : undefined;
}
