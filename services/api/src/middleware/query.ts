import { unauthorized } from '@sockudo-ts/shared';

/**
 * Query is a request's query string parsed once: each parameter's key as sent, with its decoded value.
 * The signature is checked over it and the handlers read it, so both see the same values.
 */
export type Query = ReadonlyMap<string, string>;

/** EMPTY_QUERY is the query of a request without one. */
export const EMPTY_QUERY: Query = new Map();

/**
 * parseQuery parses a query string (without the `?`) with the decoding of `URLSearchParams` (`+` is a
 * space, `%XX` escapes, empty pieces skipped, a key without `=` has the value ''). A key that appears twice,
 * also in another letter case, is refused with 401 naming it: the signature covers every pair, so two
 * values for one name would let the signed value and the value a handler reads differ.
 */
export function parseQuery(raw: string): Query {
  if (raw === '') return EMPTY_QUERY;
  const query = new Map<string, string>();
  const seen = new Set<string>();
  // why: URLSearchParams drops one leading `?` of the whole string; kept so that keys parse as before.
  let start = raw.startsWith('?') ? 1 : 0;
  while (start <= raw.length) {
    let end = raw.indexOf('&', start);
    if (end < 0) end = raw.length;
    if (end > start) {
      const [key, value] = pair(raw.slice(start, end));
      const lower = key.toLowerCase();
      if (seen.has(lower)) throw unauthorized(`Query parameter ${JSON.stringify(key.slice(0, 64))} is repeated; send each parameter once`);
      seen.add(lower);
      query.set(key, value);
    }
    start = end + 1;
  }
  return query;
}

/** pair splits one `key=value` piece and decodes both halves. */
function pair(piece: string): [string, string] {
  // why: nearly every piece (all of the signing ones) has nothing to decode; the rest are decoded by
  // URLSearchParams itself, so that odd escapes decode exactly as they did before this parser existed.
  if (piece.indexOf('%') < 0 && piece.indexOf('+') < 0) {
    const eq = piece.indexOf('=');
    return eq < 0 ? [piece, ''] : [piece.slice(0, eq), piece.slice(eq + 1)];
  }
  // why: the leading `&` keeps URLSearchParams from dropping a `?` that starts this piece.
  const [decoded] = new URLSearchParams(`&${piece}`);
  return decoded ?? ['', ''];
}
