import type { Request } from 'express';
import { asAppId, bufferedBody, forbidden, hexEquals, HmacSha256Key, md5Hex, notFound, readBody, safeEqual, unauthorized, type App, type AppStore, type Metrics } from '@sockudo-ts/shared';
import { appSegmentOf, decodeSegment } from '../paths.js';
import type { ApiResponse } from '../respond.js';
import { parseSignedQuery, type Query } from './query.js';
import { MAX_CLOCK_SKEW_S, verifyUrlInPlace } from './signed-url.js';

export { MAX_CLOCK_SKEW_S };

const TIMESTAMP = /^\d{1,12}$/;

/**
 * verifyRequest checks a signed HTTP API request (auth_version 1.0, PROTOCOL.md §8) and returns its
 * query, parsed once: the handlers serve from the same values the signature covered. Throws 401 with a
 * message that names the failing part (a repeated query key included). The signature is compared in
 * constant time. `rawQuery` is the query string without `?`; `path` is the raw (undecoded) path.
 */
export function verifyRequest(app: App, method: string, path: string, rawQuery: string, body: Buffer, nowS = Date.now() / 1000): Query {
  const query = verifySignedQuery(app, method, path, rawQuery, nowS);
  verifyBody(query.get('body_md5'), body);
  return query;
}

/**
 * verifySignedQuery checks everything of a signed request but its body: key, timestamp, version and the
 * signature over the query (which covers `body_md5`). The body can then be read knowing the caller holds
 * the secret, and checked with `verifyBody`.
 */
export function verifySignedQuery(app: App, method: string, path: string, rawQuery: string, nowS = Date.now() / 1000): Query {
  const { query, signed } = parseSignedQuery(rawQuery);
  const key = query.get('auth_key');
  if (key === undefined) throw unauthorized('Missing auth_key');
  if (!safeEqual(key, app.key)) throw unauthorized('auth_key does not belong to this app');
  const timestamp = query.get('auth_timestamp');
  if (timestamp === undefined || !TIMESTAMP.test(timestamp)) throw unauthorized('Missing or invalid auth_timestamp (unix seconds)');
  if (Math.abs(nowS - Number(timestamp)) > MAX_CLOCK_SKEW_S) {
    throw unauthorized(`auth_timestamp is more than ${MAX_CLOCK_SKEW_S} s from the server time; check your clock`);
  }
  const version = query.get('auth_version');
  if (version !== undefined && version !== '1.0') throw unauthorized('auth_version must be 1.0');
  const signature = query.get('auth_signature');
  if (signature === undefined) throw unauthorized('Missing auth_signature');
  // why: the string to sign as httpStringToSign writes it, from the query's part written while parsing.
  if (!hexEquals(signature, signingKey(app).hex(`${method.toUpperCase()}\n${path}\n${signed}`))) throw unauthorized('Invalid auth_signature');
  return query;
}

/**
 * verifySignedUrl is verifySignedQuery for a request URL as received (path, then `?` and the query, undecoded;
 * one byte per character, as node's HTTP parser hands it over): a query in the shape the Pusher libraries send
 * is checked where it lies (verifyUrlInPlace); any other, and any that fails there, by verifySignedQuery, whose
 * answer is then the answer. `path` and `rawQuery` are the URL's two parts.
 */
export function verifySignedUrl(app: App, method: string, url: string, path: string, rawQuery: string, nowS = Date.now() / 1000): Query {
  if (rawQuery !== '') {
    const query = verifyUrlInPlace(signingKey(app), app, method, url, path.length, nowS);
    if (query !== undefined) return query;
  }
  return verifySignedQuery(app, method, path, rawQuery, nowS);
}

/** keys are the apps' signing keys, made once per app object (a store hands out the same one until it changes). */
const keys = new WeakMap<App, HmacSha256Key>();

/** signingKey returns the HMAC key of an app's secret. */
function signingKey(app: App): HmacSha256Key {
  let key = keys.get(app);
  if (key === undefined) keys.set(app, (key = new HmacSha256Key(app.secret)));
  return key;
}

/** verifyBody checks a request body against the signed query's `body_md5` value (required for a non-empty body). */
export function verifyBody(bodyMd5: string | undefined, body: Buffer): void {
  if (body.length === 0) return;
  if (bodyMd5 === undefined) throw unauthorized('Missing body_md5 for a request with a body');
  const digest = md5Hex(body);
  // why: the signature over the query was verified before the body was read, so body_md5 is the signer's own
  // value and no secret: the usual lower-case one is compared as it is (hexEquals costs ~2,000 CPU instructions).
  if (bodyMd5 !== digest && !hexEquals(bodyMd5, digest)) throw unauthorized('body_md5 does not match the body');
}

/** SignatureOptions are what the signature middleware needs: the apps, the body limit and the metrics. */
export interface SignatureOptions {
  apps: AppStore;
  /** bodyLimit is the largest request body accepted, in bytes (`http_api.request_limit_in_mb`); larger is 413. */
  bodyLimit: number;
  metrics: Metrics;
}

/**
 * signature returns the step that admits a request under `/apps/{app_id}`: it finds the app (404
 * unknown), verifies the signature over the query parsed once (401) BEFORE reading any body, so that an
 * unsigned caller never makes the server buffer a body; then reads the raw body once (413 over the limit)
 * and checks it against the signed body_md5 (401), refuses a disabled app (403), and leaves app, query and
 * body in `res.locals` for the routes. It throws, or returns a promise that rejects, with the refusal; it
 * returns undefined when the request was admitted without waiting (apps from config, body already read).
 */
export function signature(options: SignatureOptions): (req: Request, res: ApiResponse) => Promise<void> | undefined {
  const { apps, bodyLimit, metrics } = options;
  const byIdNow = apps.byIdNow?.bind(apps);
  /** admitApp checks a request for the app of its path; a promise only when the body is still arriving. */
  const admitApp = (req: Request, res: ApiResponse, app: App | undefined, segment: string): Promise<void> | undefined => {
    if (app === undefined) throw notFound(`Unknown app ${segment.slice(0, 64)}`);
    const state = res.locals;
    state.app = app;
    const method = req.method;
    const query = verifySignedUrl(app, method, state.url, state.path, state.rawQuery);
    const readsBody = method !== 'GET' && method !== 'HEAD';
    // why: a body announced without a body_md5 cannot pass; refuse it before reading a byte of it.
    const bodyMd5 = readsBody ? query.get('body_md5') : undefined;
    if (readsBody && bodyMd5 === undefined && announcesBody(req)) throw unauthorized('Missing body_md5 for a request with a body');
    const body = readsBody ? bufferedBody(req, bodyLimit) : state.body;
    if (body === undefined) return readBody(req, bodyLimit).then((read) => admitBody(app, query, bodyMd5, read, state));
    admitBody(app, query, bodyMd5, body, state);
    return undefined;
  };
  const admitBody = (app: App, query: Query, bodyMd5: string | undefined, body: Buffer, state: ApiResponse['locals']): void => {
    metrics.app(app.id).httpBytesReceived.inc(body.length);
    verifyBody(bodyMd5, body);
    state.query = query;
    if (!app.enabled) throw forbidden('App is disabled');
    state.body = body;
  };
  return (req, res) => {
    // why: the app id segment as sent (the router's `:appId`), decoded here like every path segment.
    const segment = appSegmentOf(res.locals.path);
    const id = asAppId(decodeSegment(segment));
    // why: apps from config are found without a promise (an await and its microtask on every request).
    if (byIdNow !== undefined) return admitApp(req, res, byIdNow(id), segment);
    return apps.byId(id).then((app) => admitApp(req, res, app, segment));
  };
}

/** announcesBody is true when a request's headers promise a non-empty body (length or chunked). */
function announcesBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}
