import { createHmac, hash } from 'node:crypto';

/** hmacSha256Hex returns hex(HMAC-SHA256(secret, message)). */
export function hmacSha256Hex(secret: string, message: string | Buffer): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}

/** md5Hex returns the hex MD5 of a body, as used by `body_md5`. */
export function md5Hex(body: string | Buffer): string {
  // why: the one-shot hash skips the Hash object; a quarter of the cost for a request-sized body.
  return hash('md5', body, 'hex');
}

/**
 * safeEqual compares two strings in constant time for equal lengths: every character of `a` is compared
 * whatever differs; different lengths are unequal (after the same loop).
 */
export function safeEqual(a: string, b: string): boolean {
  // why: an XOR-accumulating loop has no early exit, and needs no Buffer per string (this runs per request).
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

/**
 * hexEquals tells whether `hex` (either letter case) spells `expected`, a lower-case hex digest, comparing
 * every character whatever differs (constant time for a given length); other lengths are unequal.
 */
export function hexEquals(hex: string, expected: string): boolean {
  if (hex.length !== expected.length) return false;
  // why: compared as bytes: a hex string cut from a request's query is a slice of it, whose characters
  // charCodeAt reads about five times slower than a Buffer's bytes (one write copies them out). UTF-8: a
  // non-ASCII character takes more than one byte, so the byte count tells it apart from any hex digit.
  if (hex.length * 3 > hexBytes.length) return hexCharsEqual(hex, expected);
  if (hexBytes.write(hex, 0, 'utf8') !== hex.length) return false;
  let diff = 0;
  for (let i = 0; i < hex.length; i++) diff |= lowerHex(hexBytes[i]!) ^ expected.charCodeAt(i);
  return diff === 0;
}

/** hexBytes holds the hex string `hexEquals` compares, as bytes (digests of up to 64 hex digits fit). */
const hexBytes = Buffer.alloc(3 * 64);

/** hexCharsEqual is `hexEquals` read by character, for a string too long for `hexBytes`. */
function hexCharsEqual(hex: string, expected: string): boolean {
  let diff = 0;
  for (let i = 0; i < hex.length; i++) diff |= lowerHex(hex.charCodeAt(i)) ^ expected.charCodeAt(i);
  return diff === 0;
}

/** lowerHex reads A-F as a-f and leaves any other character code as it is (so nothing else becomes a hex digit). */
function lowerHex(c: number): number {
  return c >= 0x41 && c <= 0x46 ? c | 0x20 : c;
}

/**
 * HmacSha256Key signs with one secret: `hex(message)` equals `hmacSha256Hex(secret, message)`, computed
 * from the key's two padded blocks (RFC 2104) prepared once, with two one-shot hashes and no HMAC context.
 * why: creating an Hmac (an OpenSSL context set up with the key) is most of what signing a short message
 * costs; the HTTP API verifies one signature per request. A caller that holds the message's bytes writes them
 * straight into the key's buffer (`messageBuffer`, from `HMAC_MESSAGE_AT` on) and signs them with
 * `hexOfWritten`, with no string built for it. Not safe to share across threads (it reuses its buffers), which
 * JavaScript code on one event loop never does.
 */
export class HmacSha256Key {
  /** inner holds the key XOR ipad, then the message of the current call. */
  private inner: Buffer;
  /** outer holds the key XOR opad, then the inner digest of the current call. */
  private readonly outer = Buffer.alloc(BLOCK + 32);

  constructor(secret: string) {
    let key = Buffer.from(secret);
    if (key.length > BLOCK) key = hash('sha256', key, 'buffer');
    this.inner = Buffer.alloc(BLOCK + 256);
    for (let i = 0; i < BLOCK; i++) {
      const k = i < key.length ? key[i]! : 0;
      this.inner[i] = k ^ 0x36;
      this.outer[i] = k ^ 0x5c;
    }
  }

  /** hex returns the lower-case hex HMAC-SHA256 of `message` (UTF-8). */
  hex(message: string): string {
    // why: UTF-8 takes at most 3 bytes per UTF-16 unit; write() would cut a message that did not fit.
    const buffer = this.messageBuffer(message.length * 3);
    return this.hexOfWritten(buffer.write(message, HMAC_MESSAGE_AT, 'utf8'));
  }

  /**
   * messageBuffer returns the key's buffer with room for a message of `bytes` bytes from `HMAC_MESSAGE_AT` on;
   * the bytes before that are the key's and stay as they are. It is valid until the next call on this key.
   */
  messageBuffer(bytes: number): Buffer {
    if (this.inner.length < HMAC_MESSAGE_AT + bytes) {
      const bigger = Buffer.alloc(HMAC_MESSAGE_AT + bytes);
      this.inner.copy(bigger, 0, 0, BLOCK);
      this.inner = bigger;
    }
    return this.inner;
  }

  /** hexOfWritten returns the lower-case hex HMAC-SHA256 of the `length` bytes written from `HMAC_MESSAGE_AT` on. */
  hexOfWritten(length: number): string {
    // why: the inner digest as a 'binary' (latin1: one byte per character) string, written back: a Buffer made
    // by the binding costs ~3,500 CPU instructions more per call than the string and the write together.
    writeLatin1(this.outer, hash('sha256', this.inner.subarray(0, HMAC_MESSAGE_AT + length), 'binary'), BLOCK);
    return hash('sha256', this.outer, 'hex');
  }
}

/** BLOCK is SHA-256's block size in bytes, the size of an HMAC key pad. */
const BLOCK = 64;

/**
 * writeLatin1 writes `text` into `buffer` at `offset`, one byte per character (latin1: the low byte of each), at
 * most `length` bytes (to the buffer's end by default); returns the bytes written. why: Buffer's own native writer,
 * which node puts on every Buffer but its types leave out: `write(text, offset, 'latin1')` first spends ~500 CPU
 * instructions in JavaScript on its arguments.
 */
export function writeLatin1(buffer: Buffer, text: string, offset: number, length = buffer.length - offset): number {
  return (buffer as Buffer & { latin1Write(text: string, offset: number, length: number): number }).latin1Write(text, offset, length);
}

/** HMAC_MESSAGE_AT is where a message starts in an HmacSha256Key's `messageBuffer` (after the key's pad). */
export const HMAC_MESSAGE_AT = BLOCK;

/** channelAuthString is the message a private, encrypted or presence subscription signs. */
export function channelAuthString(socketId: string, channel: string, channelData?: string): string {
  return channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`;
}

/** signChannel returns the `auth` value (`key:signature`) that authorizes a socket on a channel. */
export function signChannel(key: string, secret: string, socketId: string, channel: string, channelData?: string): string {
  return `${key}:${hmacSha256Hex(secret, channelAuthString(socketId, channel, channelData))}`;
}

/** signinAuthString is the message a `pusher:signin` signs: the socket id and the exact user_data string. */
export function signinAuthString(socketId: string, userData: string): string {
  return `${socketId}::user::${userData}`;
}

/** signUser returns the `auth` value (`key:signature`) for `pusher:signin` with the exact user_data string. */
export function signUser(key: string, secret: string, socketId: string, userData: string): string {
  return `${key}:${hmacSha256Hex(secret, signinAuthString(socketId, userData))}`;
}

/**
 * verifyAuth checks an `auth` value (`key:signature`) against the expected message in constant time.
 * The key part must equal the app key.
 */
export function verifyAuth(auth: unknown, key: string, secret: string, message: string): boolean {
  if (typeof auth !== 'string') return false;
  const colon = auth.indexOf(':');
  if (colon < 0) return false;
  const givenKey = auth.slice(0, colon);
  const signature = auth.slice(colon + 1);
  const expected = hmacSha256Hex(secret, message);
  const keyOk = safeEqual(givenKey, key);
  const sigOk = safeEqual(signature, expected);
  return keyOk && sigOk;
}

/** HttpParams are a request's query parameters: a record, or the map a server parsed once. */
export type HttpParams = Readonly<Record<string, string>> | ReadonlyMap<string, string>;

/**
 * httpStringToSign builds the auth_version 1.0 string for a request: METHOD, path and the sorted query
 * (every parameter except `auth_signature`, keys lowercased, `k=v` joined by `&`, values not escaped).
 */
export function httpStringToSign(method: string, path: string, params: HttpParams): string {
  const pairs: SignedPair[] = [];
  const add = (value: string, key: string): void => {
    const lower = key.toLowerCase();
    if (lower !== 'auth_signature') pairs.push({ key: lower, value });
  };
  if (isMap(params)) params.forEach(add);
  else for (const key of Object.keys(params)) add(params[key]!, key);
  // why: sorted by key alone, not by `k=v`: a key with a character below `=` would sort differently.
  pairs.sort(byKey);
  // why: plain objects and an index loop, no tuples to destructure (this runs for every signed request).
  let query = '';
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    query += i === 0 ? `${pair.key}=${pair.value}` : `&${pair.key}=${pair.value}`;
  }
  return `${method.toUpperCase()}\n${path}\n${query}`;
}

interface SignedPair {
  key: string;
  value: string;
}

function byKey(a: SignedPair, b: SignedPair): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function isMap(params: HttpParams): params is ReadonlyMap<string, string> {
  return params instanceof Map;
}

/** signHttpRequest returns the `auth_signature` for a request's method, path and query parameters. */
export function signHttpRequest(secret: string, method: string, path: string, params: HttpParams): string {
  return hmacSha256Hex(secret, httpStringToSign(method, path, params));
}
