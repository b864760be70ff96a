import { unauthorized } from '@sockudo-ts/shared';

/**
 * Query is a request's query string parsed once: each parameter's key as sent, with its decoded value, in
 * arrival order. The signature is checked over it and the handlers read it, so both see the same values.
 */
export interface Query extends Iterable<[string, string]> {
  /** get returns the value of the parameter sent with exactly this key, or undefined. */
  get(key: string): string | undefined;
  /** size is the number of parameters. */
  readonly size: number;
}

/**
 * ParsedQuery holds the parameters as one flat list of keys and values. why: a request has a handful, which
 * a scan finds sooner than a Map is built (no hashing of every key for the few that are read).
 */
class ParsedQuery implements Query {
  /** entries are key, value, key, value, ... in arrival order. */
  constructor(private readonly entries: readonly string[]) {}

  get size(): number {
    return this.entries.length >>> 1;
  }

  get(key: string): string | undefined {
    const entries = this.entries;
    // why: the length first: most keys differ in it, and comparing it costs no call into the runtime.
    for (let i = 0; i < entries.length; i += 2) if (entries[i]!.length === key.length && entries[i] === key) return entries[i + 1];
    return undefined;
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    for (let i = 0; i < this.entries.length; i += 2) yield [this.entries[i]!, this.entries[i + 1]!];
  }
}

/** EMPTY_QUERY is the query of a request without one. */
export const EMPTY_QUERY: Query = new ParsedQuery([]);

/**
 * SignedQuery is a query parsed for a signed request: the query, and its part of the auth_version 1.0
 * string to sign (every parameter but `auth_signature`, keys lower-cased, sorted by key, `k=v` joined by
 * `&`, values as decoded), as `httpStringToSign` writes it.
 */
export interface SignedQuery {
  query: Query;
  signed: string;
}

const EMPTY_SIGNED: SignedQuery = { query: EMPTY_QUERY, signed: '' };

/**
 * parseQuery parses a query string (without the `?`) with the decoding of `URLSearchParams` (`+` is a
 * space, `%XX` escapes, empty pieces skipped, a key without `=` has the value ''). A key that appears twice,
 * also in another letter case, is refused with 401 naming it: the signature covers every pair, so two
 * values for one name would let the signed value and the value a handler reads differ.
 */
export function parseQuery(raw: string): Query {
  return parseSignedQuery(raw).query;
}

/** parseSignedQuery parses a query as `parseQuery` does and writes its part of the string to sign in the same pass. */
export function parseSignedQuery(raw: string): SignedQuery {
  if (raw === '') return EMPTY_SIGNED;
  return inSigningOrder(raw) ?? anyOrder(raw);
}

/**
 * inSigningOrder parses a query in the shape the Pusher libraries send: nothing to decode, no empty piece,
 * every piece `key=value` with a key of lower-case ASCII, the keys but `auth_signature` in ascending order
 * and `auth_signature` at most once. Such a query, less its `auth_signature` piece, IS its part of the string
 * to sign: it is cut out, not rebuilt. Undefined for any other query (`anyOrder` parses it).
 */
function inSigningOrder(raw: string): SignedQuery | undefined {
  // why: a leading `?` is dropped by URLSearchParams (anyOrder does so too).
  if (raw.charCodeAt(0) === 0x3f || raw.indexOf('%') >= 0 || raw.indexOf('+') >= 0) return undefined;
  const entries: string[] = [];
  let previous = '';
  // signature: where the auth_signature piece starts and ends (at its `&` or the end), if there is one
  let signatureStart = -1;
  let signatureEnd = -1;
  let start = 0;
  for (;;) {
    let end = raw.indexOf('&', start);
    if (end < 0) end = raw.length;
    const eq = raw.indexOf('=', start);
    if (eq <= start || eq > end) return undefined;
    const key = raw.slice(start, eq);
    if (key.length === SIGNATURE_KEY.length && key === SIGNATURE_KEY) {
      if (signatureStart >= 0) return undefined;
      signatureStart = start;
      signatureEnd = end;
    } else {
      if (!lowerAfter(key, previous)) return undefined;
      previous = key;
    }
    entries.push(key, raw.slice(eq + 1, end));
    if (end === raw.length) break;
    start = end + 1;
  }
  let signed = raw;
  if (signatureStart === 0) signed = raw.slice(Math.min(signatureEnd + 1, raw.length));
  else if (signatureEnd === raw.length) signed = raw.slice(0, signatureStart - 1);
  else if (signatureStart > 0) signed = raw.slice(0, signatureStart) + raw.slice(signatureEnd + 1);
  return { query: new ParsedQuery(entries), signed };
}

const SIGNATURE_KEY = 'auth_signature';

/**
 * lowerAfter is true when `key` has no upper-case or non-ASCII character and sorts after `previous` (UTF-16
 * code unit order; '' sorts first). why: both checks in one loop over characters that differ past the shared
 * `auth_` (the string operator compares such strings in a runtime call, many times slower).
 */
function lowerAfter(key: string, previous: string): boolean {
  let order = 0;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || c >= 0x80) return false;
    if (order === 0) order = i < previous.length ? c - previous.charCodeAt(i) : 1;
  }
  return order > 0;
}

/** anyOrder parses any query: the pairs are sorted by lower-cased key as they arrive, repeats refused. */
function anyOrder(raw: string): SignedQuery {
  const entries: string[] = [];
  // why: kept sorted by lower-cased key as the pairs arrive: a repeated key is found where it would go, and
  // the string to sign needs no second pass over the keys.
  const sorted: Pair[] = [];
  // why: URLSearchParams drops one leading `?` of the whole string; kept so that keys parse as before.
  let start = raw.charCodeAt(0) === 0x3f ? 1 : 0;
  // why: a query with nothing to decode is split here, with no tuple to destructure.
  const plain = raw.indexOf('%') < 0 && raw.indexOf('+') < 0;
  while (start <= raw.length) {
    let end = raw.indexOf('&', start);
    if (end < 0) end = raw.length;
    if (end > start) {
      const piece = raw.slice(start, end);
      let key: string;
      let value: string;
      if (plain || (piece.indexOf('%') < 0 && piece.indexOf('+') < 0)) {
        const eq = piece.indexOf('=');
        key = eq < 0 ? piece : piece.slice(0, eq);
        value = eq < 0 ? '' : piece.slice(eq + 1);
      } else {
        const decoded = decodedPair(piece);
        key = decoded[0];
        value = decoded[1];
      }
      insert(sorted, { lower: lowerCased(key), key, value });
      entries.push(key, value);
    }
    start = end + 1;
  }
  let signed = '';
  for (let i = 0; i < sorted.length; i++) {
    const pair = sorted[i]!;
    if (pair.lower === 'auth_signature') continue;
    signed += signed === '' ? `${pair.lower}=${pair.value}` : `&${pair.lower}=${pair.value}`;
  }
  return { query: new ParsedQuery(entries), signed };
}

/**
 * after is `a > b` (UTF-16 code unit order) for strings. why: the signing keys share their first five
 * characters, and the operator compares such strings in a runtime call, many times slower than this loop.
 */
function after(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d > 0;
  }
  return a.length > b.length;
}

/** lowerCased is `key.toLowerCase()`, without the call for a key that has nothing to lower (the usual one). */
function lowerCased(key: string): string {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || c >= 0x80) return key.toLowerCase();
  }
  return key;
}

/** Pair is one query parameter: its key lower-cased (the string to sign's) and as sent, and its value. */
interface Pair {
  lower: string;
  key: string;
  value: string;
}

/**
 * insert puts a pair in its place by lower-cased key; 401 when its key, in any letter case, is already there.
 * why a binary search: the place is found in O(log n) comparisons; a linear walk made a hostile query of a few
 * thousand keys in descending order cost ~100 ms of CPU before its signature was checked.
 */
function insert(sorted: Pair[], pair: Pair): void {
  // at: the first place whose key sorts after the pair's (so equal keys end just before it)
  let low = 0;
  let at = sorted.length;
  while (low < at) {
    const mid = (low + at) >>> 1;
    if (after(sorted[mid]!.lower, pair.lower)) at = mid;
    else low = mid + 1;
  }
  if (at > 0 && sorted[at - 1]!.lower === pair.lower) {
    throw unauthorized(`Query parameter ${JSON.stringify(pair.key.slice(0, 64))} is repeated; send each parameter once`);
  }
  if (at === sorted.length) sorted.push(pair);
  else sorted.splice(at, 0, pair);
}

/** decodedPair splits one `key=value` piece that holds escapes and decodes both halves. */
function decodedPair(piece: string): [string, string] {
  // why: URLSearchParams decodes it, so that odd escapes decode exactly as they did before this parser
  // existed; the leading `&` keeps it from dropping a `?` that starts this piece.
  const [decoded] = new URLSearchParams(`&${piece}`);
  return decoded ?? ['', ''];
}
