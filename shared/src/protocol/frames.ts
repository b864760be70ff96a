import type { UserId } from '../ids.js';

/**
 * Frame helpers: every server -> client message is a JSON object whose `data` is a JSON string
 * (PROTOCOL.md §1). These build the text of a frame once, so it can be written to many sockets.
 */

/** ClientFrame is a parsed client -> server frame; `data` may be an object or a string. */
export interface ClientFrame {
  event: string;
  channel?: string;
  data?: unknown;
  user_id?: string;
}

/** encodeEvent returns the text of a frame for an event on a channel with a string payload. */
export function encodeEvent(event: string, channel: string | undefined, data: string | undefined, userId?: string): string {
  let out = '{"event":' + jsonString(event);
  if (channel !== undefined) out += ',"channel":' + jsonString(channel);
  if (data !== undefined) out += ',"data":' + jsonString(data);
  if (userId !== undefined) out += ',"user_id":' + jsonString(userId);
  return out + '}';
}

/** PLAIN_MAX is the longest string `jsonString` looks through itself, in UTF-16 code units. */
const PLAIN_MAX = 256;

/** LOOP_MAX is the longest string `jsonString` looks through with a loop rather than NEEDS_ESCAPE. */
const LOOP_MAX = 24;

/** NEEDS_ESCAPE finds what JSON.stringify escapes in a string: a control character, `"`, `\` or a surrogate. */
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/**
 * jsonString is `JSON.stringify(text)`. why: a string with nothing to escape (no control character, `"`, `\`
 * or surrogate) is only quoted; for the short strings of a frame the builtin's fixed cost (~1,300 CPU
 * instructions a call) is most of the work. Longer strings, and any that need escapes, go to the builtin.
 */
function jsonString(text: string): string {
  if (text.length > PLAIN_MAX) return JSON.stringify(text);
  // why: past a few characters the compiled regular expression looks through a string at about half the cost of
  // a loop of charCodeAt (a 70-character payload: ~1,200 against ~2,500 CPU instructions); below, the loop is cheaper.
  if (text.length > LOOP_MAX) return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : '"' + text + '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text);
  }
  return '"' + text + '"';
}

/** encodeInternal returns the text of a `pusher:*` / `pusher_internal:*` frame whose data is an object. */
export function encodeInternal(event: string, data: unknown, channel?: string): string {
  return encodeEvent(event, channel, data === undefined ? undefined : JSON.stringify(data));
}

/** encodeError returns the text of a `pusher:error` frame. */
export function encodeError(code: number | null, message: string, channel?: string): string {
  return encodeInternal('pusher:error', { code, message }, channel);
}

/** MemberEvent is what a presence member frame says: a user was added to or removed from its channel. */
export interface MemberEvent {
  added: boolean;
  userId: UserId;
}

const MEMBER_EVENT_HINT = 'pusher_internal:member_';

/**
 * memberEventOf reads a frame's text and returns the member change it announces, or undefined for any other
 * frame. It decides by the parsed event name, never by the position of keys in the text.
 */
export function memberEventOf(text: string): MemberEvent | undefined {
  // why: most frames are not member frames; a substring test spares them the JSON parse.
  if (!text.includes(MEMBER_EVENT_HINT)) return undefined;
  let frame: { event?: unknown; data?: unknown };
  try {
    frame = JSON.parse(text) as typeof frame;
  } catch {
    return undefined;
  }
  const added = frame.event === 'pusher_internal:member_added';
  if (!added && frame.event !== 'pusher_internal:member_removed') return undefined;
  let data: { user_id?: unknown };
  try {
    data = (typeof frame.data === 'string' ? JSON.parse(frame.data) : frame.data) as typeof data;
  } catch {
    return undefined;
  }
  const userId = data?.user_id;
  return typeof userId === 'string' ? { added, userId: userId as UserId } : undefined;
}

/** payloadToString turns an event payload into the string sent to clients: strings pass, others are JSON. */
export function payloadToString(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data === undefined) return '';
  return JSON.stringify(data);
}

/**
 * parseClientFrame parses a client frame's text. It returns undefined for anything that is not a JSON
 * object with a string `event`.
 */
export function parseClientFrame(text: string): ClientFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const frame = value as Record<string, unknown>;
  if (typeof frame.event !== 'string') return undefined;
  if (frame.channel !== undefined && typeof frame.channel !== 'string') return undefined;
  return frame as unknown as ClientFrame;
}

/** frameData returns a client frame's `data` as an object, parsing it when it was sent as a JSON string. */
export function frameData(frame: ClientFrame): Record<string, unknown> | undefined {
  let data = frame.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  return data as Record<string, unknown>;
}
