import { badRequest } from '@sockudo-ts/shared';

// why: the router reads a path with parseurl, which cuts it at `#` (and re-parses it when it holds
// whitespace), and decodes `:params` itself while matching, so a bad escape would fail before the method
// and the body were checked. The API has always taken everything before `?` as the path and decoded a
// segment only when a route used it; these characters are escaped so that the router sees exactly that.
const ROUTER_SPECIAL = /[%#\t\n\f\r \u00a0\ufeff]/;
const ROUTER_SPECIAL_ALL = /[%#\t\n\f\r \u00a0\ufeff]/g;

/**
 * routablePath is the path as the express router is given it: `%` and the characters parseurl treats
 * specially are percent-encoded, so that every `:param` comes out of the router exactly as it was sent
 * (still URL-encoded) and `decodeSegment` decodes it.
 */
export function routablePath(path: string): string {
  return ROUTER_SPECIAL.test(path) ? path.replace(ROUTER_SPECIAL_ALL, encodeURIComponent) : path;
}

/** decodeSegment URL-decodes one path segment as sent; 400 when it is not valid URL encoding. */
export function decodeSegment(segment: string): string {
  if (segment.indexOf('%') < 0) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest('Path is not valid URL encoding');
  }
}

/** appSegmentOf is the app id segment of `/apps/{id}/...` as sent (still URL-encoded). */
export function appSegmentOf(path: string): string {
  const end = path.indexOf('/', 6);
  return end < 0 ? path.slice(6) : path.slice(6, end);
}

/** routePathOf is the path below `/apps/{id}`: `/events` for `/apps/1/events`, `/` for `/apps/1`. */
export function routePathOf(path: string): string {
  const end = path.indexOf('/', 6);
  return end < 0 ? '/' : path.slice(end);
}
