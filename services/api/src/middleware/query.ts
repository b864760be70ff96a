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
      const piece = raw.slice(start, end);
      // why: nearly every piece (all of the signing ones) has nothing to decode; it is split here, with no
      // tuple to destructure (less code for every request to run and for V8 to compile).
      if (piece.indexOf('%') < 0 && piece.indexOf('+') < 0) {
        const eq = piece.indexOf('=');
        if (eq < 0) add(query, seen, piece, '');
        else add(query, seen, piece.slice(0, eq), piece.slice(eq + 1));
      } else {
        const decoded = decodedPair(piece);
        add(query, seen, decoded[0], decoded[1]);
      }
    }
    start = end + 1;
  }
  return query;
}

/** add puts one parameter in the query; 401 when its key, in any letter case, is already there. */
function add(query: Map<string, string>, seen: Set<string>, key: string, value: string): void {
  const lower = key.toLowerCase();
  if (seen.has(lower)) throw unauthorized(`Query parameter ${JSON.stringify(key.slice(0, 64))} is repeated; send each parameter once`);
  seen.add(lower);
  query.set(key, value);
}

/** decodedPair splits one `key=value` piece that holds escapes and decodes both halves. */
function decodedPair(piece: string): [string, string] {
  // why: URLSearchParams decodes it, so that odd escapes decode exactly as they did before this parser
  // existed; the leading `&` keeps it from dropping a `?` that starts this piece.
  const [decoded] = new URLSearchParams(`&${piece}`);
  return decoded ?? ['', ''];
}
