/** HttpError is an HTTP API failure carried as data: a stable machine code, a status and a message. */
export class HttpError extends Error {
  /** status is the HTTP status sent to the caller. */
  readonly status: number;
  /** code is a stable identifier for the kind of failure, for logs and metrics. */
  readonly code: string;
  /** headers are extra response headers, such as `Retry-After`. */
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** badRequest is a 400 whose message names the offending field. */
export const badRequest = (message: string): HttpError => new HttpError(400, 'bad_request', message);
/** unauthorized is a 401: unknown key, bad signature or stale timestamp. */
export const unauthorized = (message: string): HttpError => new HttpError(401, 'unauthorized', message);
/** forbidden is a 403 for a disabled app. */
export const forbidden = (message: string): HttpError => new HttpError(403, 'forbidden', message);
/** notFound is a 404 for an unknown app or route. */
export const notFound = (message: string): HttpError => new HttpError(404, 'not_found', message);
/** payloadTooLarge is a 413 for a body or event payload over its limit. */
export const payloadTooLarge = (message: string): HttpError => new HttpError(413, 'payload_too_large', message);
/** unavailable is a 503 while a dependency the request needs is down. */
export const unavailable = (message: string): HttpError => new HttpError(503, 'unavailable', message);
/** tooManyRequests is a 429 from a rate limit; `headers` carry Retry-After and the X-RateLimit-* values. */
export const tooManyRequests = (message: string, headers: Record<string, string>): HttpError => new HttpError(429, 'rate_limited', message, headers);
