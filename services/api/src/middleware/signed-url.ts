import { HMAC_MESSAGE_AT, writeLatin1, type App, type HmacSha256Key } from '@sockudo-ts/shared';
import type { Query } from './query.js';

/**
 * verifyUrlInPlace checks a signed request (auth_version 1.0) whose query has the shape the Pusher server
 * libraries send, where it lies in the request URL: ASCII, nothing to decode (no `%`, no `+`), every piece
 * `key=value` with a lower-case key, the keys in ascending order, then `auth_signature` once, last, as 64
 * lower-case hex digits. Such a URL up to its `&auth_signature=` IS the string to sign once its `?` is a
 * newline: it is written once into the app's signing buffer after `METHOD\n`, checked there byte by byte, and
 * the HMAC taken over it in place. Returns the query when every check passes; undefined for any other query and
 * for any failed check, and the caller then verifies the request the general way (verifySignedQuery), which says
 * what failed. why: parsing the query into strings and building the string to sign cost ~15,000 CPU
 * instructions a request besides the HMAC, as much as the rest of the API's own work together.
 * `url` is the request URL as node's HTTP parser hands it over (one byte per character); `pathLength` is the
 * offset of its `?`.
 */
export function verifyUrlInPlace(key: HmacSha256Key, app: App, method: string, url: string, pathLength: number, nowS: number): Query | undefined {
  const q = pathLength;
  const end = url.length;
  // signatureAt: where `auth_signature=` must start for 64 hex digits to end the URL
  const signatureAt = end - SIGNATURE_HEX_DIGITS - SIGNATURE_PIECE.length;
  if (signatureAt <= q) return undefined;
  // why: searches in the runtime (memchr, a count of high bytes) instead of a look at every character.
  if (url.indexOf('%', q) >= 0 || url.indexOf('+', q) >= 0 || Buffer.byteLength(url, 'utf8') !== end) return undefined;
  // why: URLSearchParams drops a leading `?` of the query; the general parser keeps that rule.
  if (url.charCodeAt(q + 1) === QUESTION_MARK) return undefined;
  const head = method.length + 1;
  const bytes = key.messageBuffer(head + end + SIGNATURE_HEX_DIGITS);
  const base = HMAC_MESSAGE_AT + head;
  for (let i = 0; i < method.length; i++) bytes[HMAC_MESSAGE_AT + i] = method.charCodeAt(i);
  bytes[HMAC_MESSAGE_AT + method.length] = NEWLINE;
  // why: one byte per character, a copy; the URL is ASCII (checked above), so as its UTF-8.
  writeLatin1(bytes, url, base, end);
  bytes[base + q] = NEWLINE;
  const first = signatureAt === q + 1;
  if (!bytesAre(bytes, base + signatureAt, SIGNATURE_PIECE_BYTES) || (!first && bytes[base + signatureAt - 1] !== AMPERSAND)) return undefined;
  // signed: where the pieces before the signature end (its `&`, or the query's start when it is the only piece)
  const signed = first ? q + 1 : signatureAt - 1;
  const marks: number[] = [];
  let keyAt = -1;
  let bodyAt = -1;
  let timestampAt = -1;
  let versionAt = -1;
  let previous = -1;
  let previousEq = -1;
  for (let start = q + 1; start < signed; ) {
    const stop = url.indexOf('&', start);
    // why: a signing key is told by its bytes and the `=` after them (none of them holds a `=`), with no
    // search for the `=`; only another key is searched.
    const known = signingKeyAt(bytes, base + start, base + stop);
    const eq = known === UNKNOWN ? url.indexOf('=', start) : start + KEY_LENGTHS[known]!;
    if (eq <= start || eq > stop) return undefined;
    if (known === SIGNATURE || (known === UNKNOWN && !lowerCase(bytes, base + start, base + eq))) return undefined;
    if (previous >= 0 && !keyAfter(bytes, base + start, base + eq, base + previous, base + previousEq)) return undefined;
    if (known === KEY) keyAt = marks.length;
    else if (known === TIMESTAMP) timestampAt = marks.length;
    else if (known === VERSION) versionAt = marks.length;
    else if (known === BODY) bodyAt = marks.length;
    marks.push(start, eq, stop);
    previous = start;
    previousEq = eq;
    start = stop + 1;
  }
  marks.push(signatureAt, signatureAt + SIGNATURE_PIECE.length - 1, end);
  if (keyAt < 0 || !valueEquals(bytes, base + marks[keyAt + 1]! + 1, base + marks[keyAt + 2]!, app.key)) return undefined;
  if (timestampAt < 0) return undefined;
  const timestamp = digitsValue(bytes, base + marks[timestampAt + 1]! + 1, base + marks[timestampAt + 2]!);
  if (timestamp < 0 || Math.abs(nowS - timestamp) > MAX_CLOCK_SKEW_S) return undefined;
  if (versionAt >= 0 && !valueEquals(bytes, base + marks[versionAt + 1]! + 1, base + marks[versionAt + 2]!, '1.0')) return undefined;
  // the expected signature goes after the URL, to be compared with the one sent four bytes at a time
  const expectedAt = base + end;
  if (writeLatin1(bytes, key.hexOfWritten(head + signed), expectedAt) !== SIGNATURE_HEX_DIGITS) return undefined;
  if (!wordsEqual(bytes, base + signatureAt + SIGNATURE_PIECE.length, expectedAt, SIGNATURE_HEX_DIGITS)) return undefined;
  return new ScannedQuery(url, marks, bodyAt < 0 ? undefined : url.slice(marks[bodyAt + 1]! + 1, marks[bodyAt + 2]));
}

/** MAX_CLOCK_SKEW_S is how far `auth_timestamp` may be from the server's clock, in seconds (signature.ts exports it). */
export const MAX_CLOCK_SKEW_S = 600;

/** SIGNATURE_HEX_DIGITS is the length of an HMAC-SHA256 in hex. */
const SIGNATURE_HEX_DIGITS = 64;
const SIGNATURE_PIECE = 'auth_signature=';

const NEWLINE = 0x0a;
const AMPERSAND = 0x26;
const QUESTION_MARK = 0x3f;

/** asciiBytes is the bytes of an ASCII text. */
function asciiBytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

const SIGNATURE_PIECE_BYTES = asciiBytes(SIGNATURE_PIECE);
const AUTH_KEY = asciiBytes('auth_key');
const BODY_MD5 = asciiBytes('body_md5');
const AUTH_TIMESTAMP = asciiBytes('auth_timestamp');
const AUTH_SIGNATURE = asciiBytes('auth_signature');
const AUTH_VERSION = asciiBytes('auth_version');

/** The keys signingKeyAt tells apart. */
const UNKNOWN = 0;
const KEY = 1;
const TIMESTAMP = 2;
const VERSION = 3;
const SIGNATURE = 4;
const BODY = 5;

/** KEY_LENGTHS are the lengths of the keys signingKeyAt tells apart, by their number. */
const KEY_LENGTHS = [0, AUTH_KEY.length, AUTH_TIMESTAMP.length, AUTH_VERSION.length, AUTH_SIGNATURE.length, BODY_MD5.length];

const EQUALS = 0x3d;

/**
 * signingKeyAt names the key of the piece at `bytes[from, end)` when it is one of the signing keys followed by
 * its `=` (the piece's first, since no signing key holds one); UNKNOWN for any other piece.
 */
function signingKeyAt(bytes: Buffer, from: number, end: number): number {
  // why: the keys come in three lengths (auth_key and body_md5; auth_version; auth_timestamp and auth_signature)
  if (equalsAfter(bytes, from, AUTH_KEY.length, end)) {
    if (bytesAre(bytes, from, AUTH_KEY)) return KEY;
    if (bytesAre(bytes, from, BODY_MD5)) return BODY;
  }
  if (equalsAfter(bytes, from, AUTH_VERSION.length, end) && bytesAre(bytes, from, AUTH_VERSION)) return VERSION;
  if (equalsAfter(bytes, from, AUTH_TIMESTAMP.length, end)) {
    if (bytesAre(bytes, from, AUTH_TIMESTAMP)) return TIMESTAMP;
    if (bytesAre(bytes, from, AUTH_SIGNATURE)) return SIGNATURE;
  }
  return UNKNOWN;
}

/** equalsAfter tells whether the piece at `bytes[from, end)` has a `=` right after its first `length` bytes. */
function equalsAfter(bytes: Buffer, from: number, length: number, end: number): boolean {
  return from + length < end && bytes[from + length] === EQUALS;
}

/** bytesAre tells whether `bytes` from `from` on start with `name`. */
function bytesAre(bytes: Buffer, from: number, name: Buffer): boolean {
  for (let i = 0; i < name.length; i++) if (bytes[from + i] !== name[i]) return false;
  return true;
}

/** lowerCase tells whether `bytes[from, to)` holds no upper-case ASCII letter. */
function lowerCase(bytes: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = bytes[i]!;
    if (c >= 0x41 && c <= 0x5a) return false;
  }
  return true;
}

/** keyAfter tells whether the key at `bytes[from, to)` sorts after the one at `bytes[before, beforeTo)` (byte order). */
function keyAfter(bytes: Buffer, from: number, to: number, before: number, beforeTo: number): boolean {
  const n = Math.min(to - from, beforeTo - before);
  for (let i = 0; i < n; i++) {
    const d = bytes[from + i]! - bytes[before + i]!;
    if (d !== 0) return d > 0;
  }
  return to - from > beforeTo - before;
}

/** valueEquals compares `bytes[from, to)` to `expected` over every byte whatever differs (as safeEqual does). */
function valueEquals(bytes: Buffer, from: number, to: number, expected: string): boolean {
  let diff = (to - from) ^ expected.length;
  for (let i = from; i < to; i++) diff |= bytes[i]! ^ (expected.charCodeAt(i - from) | 0);
  return diff === 0;
}

/** digitsValue reads 1 to 12 decimal digits as a number; -1 for anything else. */
function digitsValue(bytes: Buffer, from: number, to: number): number {
  if (to <= from || to - from > 12) return -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const d = bytes[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * wordsEqual tells whether `bytes[a, +length)` equals `bytes[b, +length)` (`length` a multiple of 4), comparing
 * every byte whatever differs, four at a time. why: a byte loop cost ~2,400 CPU instructions for a signature.
 */
function wordsEqual(bytes: Buffer, a: number, b: number, length: number): boolean {
  const view = viewOf(bytes);
  let diff = 0;
  for (let i = 0; i < length; i += 4) diff |= view.getUint32(a + i) ^ view.getUint32(b + i);
  return diff === 0;
}

let lastView: DataView | undefined;

/** viewOf returns a DataView over a buffer's bytes, the same one while the same buffer is asked for. */
function viewOf(bytes: Buffer): DataView {
  const view = lastView;
  if (view !== undefined && view.buffer === bytes.buffer && view.byteOffset === bytes.byteOffset && view.byteLength === bytes.byteLength) return view;
  return (lastView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/**
 * ScannedQuery is a query verifyUrlInPlace accepted, read from the URL it lies in: values are cut out when asked
 * for (they hold nothing to decode). why: the events route reads none of them, the body check one.
 */
class ScannedQuery implements Query {
  /**
   * marks are, per piece, the offsets in `url` of its key's start, its `=` and its end; bodyMd5 is the value of
   * `body_md5`, which every request with a body reads (cut once, where the scan found it).
   */
  constructor(
    private readonly url: string,
    private readonly marks: readonly number[],
    private readonly bodyMd5: string | undefined,
  ) {}

  get size(): number {
    return this.marks.length / 3;
  }

  get(key: string): string | undefined {
    if (key === 'body_md5') return this.bodyMd5;
    const { marks, url } = this;
    for (let i = 0; i < marks.length; i += 3) {
      const start = marks[i]!;
      if (marks[i + 1]! - start === key.length && url.startsWith(key, start)) return url.slice(marks[i + 1]! + 1, marks[i + 2]);
    }
    return undefined;
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    const { marks, url } = this;
    for (let i = 0; i < marks.length; i += 3) yield [url.slice(marks[i], marks[i + 1]), url.slice(marks[i + 1]! + 1, marks[i + 2])];
  }
}
