import { createSecureContext, type SecureContext } from 'node:tls';
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import type { KeyObject } from 'node:crypto';
import { apnsBody, type ApnsNotification, type ApnsPushType } from '@sockudo-ts/shared';
import { signJwt, privateKeyOf } from './jwt.js';
import { DEFAULT_TIMEOUT_MS, parseRetryAfter, refusal, statusOutcome, type PushProvider, type SendOutcome, type SendRequest } from './provider.js';

/** APNS_PRODUCTION is Apple's production endpoint; APNS_SANDBOX serves development builds. */
export const APNS_PRODUCTION = 'https://api.push.apple.com';
/** APNS_SANDBOX is Apple's development endpoint. */
export const APNS_SANDBOX = 'https://api.sandbox.push.apple.com';

/** ApnsOptions configure token-based APNs delivery (the `[push.providers.apns]` section). */
export interface ApnsOptions {
  /** teamId is the 10-character Apple Developer team id: the JWT's `iss`. */
  teamId: string;
  /** keyId is the `.p8` key's id: the JWT's `kid`. */
  keyId: string;
  /** privateKey is the text of the `.p8` file (a PKCS#8 P-256 key). */
  privateKey: string;
  /** topic is the app's bundle id, sent as `apns-topic` (`.voip` etc. suffixes for those push types). */
  topic: string;
  /** endpoint is the APNs origin. Default APNS_PRODUCTION. */
  endpoint?: string;
  /** timeoutMs bounds each request, connection included. Default 10000. */
  timeoutMs?: number;
  /**
   * tokenRefreshMs is how old the cached JWT may get before a new one is signed. Apple refuses tokens older
   * than an hour and throttles more than one new token per 20 minutes. Default 50 minutes.
   */
  tokenRefreshMs?: number;
  /** ca adds a trusted CA (tests trust their fake's). */
  ca?: string | Buffer;
  /** now is the clock, in ms (tests move it). */
  now?: () => number;
}

// why: Apple answers these for a token that will never work again; the device must go.
const INVALID_TOKEN_REASONS = new Set(['BadDeviceToken', 'Unregistered', 'ExpiredToken']);

/**
 * ApnsProvider delivers to Apple devices over HTTP/2 with token auth: one session per origin, reused for
 * every request, replaced when it fails or the server sends GOAWAY; an ES256 JWT signed with the `.p8` key,
 * cached and re-signed before it is an hour old (and at once when Apple says ExpiredProviderToken).
 */
export class ApnsProvider implements PushProvider {
  readonly platform = 'apns' as const;
  private readonly key: KeyObject;
  private readonly sessions = new Map<string, ClientHttp2Session>();
  private token?: { jwt: string; issuedAt: number };
  private closed = false;
  /** secureContext trusts `ca`, built once rather than for every new session. */
  private readonly secureContext?: SecureContext;

  constructor(private readonly options: ApnsOptions) {
    this.key = privateKeyOf(options.privateKey, 'ec', 'the APNs .p8 key');
    if (options.ca !== undefined) this.secureContext = createSecureContext({ ca: options.ca });
    if (options.teamId === '' || options.keyId === '' || options.topic === '') throw new Error('APNs needs a team id, a key id and a topic');
  }

  async send(request: SendRequest): Promise<SendOutcome> {
    const refused = refusal('apns', request);
    if (refused !== undefined) return refused;
    const apns = request.notification.apns!;
    const token = (request.device as { token: string }).token;
    const body = apnsBody(apns);
    const headers = this.headersFor(apns, request.expiresAt);
    const first = await this.post(token, headers, body);
    if (first.kind === 'retry' && first.reason === 'ExpiredProviderToken') {
      // why: Apple says our token is too old (clock skew, or a long pause); sign a new one and try once more.
      this.token = undefined;
      return this.post(token, headers, body);
    }
    return first;
  }

  async close(): Promise<void> {
    this.closed = true;
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(
      sessions.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.closed || s.destroyed) return resolve();
            // why: close() on a session still connecting waits for the connection, maybe forever.
            if (s.connecting) return resolve(void s.destroy());
            // why: close() lets the streams in flight finish; each ends within its timeout.
            s.close(() => resolve());
          }),
      ),
    );
  }

  private headersFor(apns: ApnsNotification, expiresAt: number): Record<string, string> {
    const pushType = apns.push_type ?? defaultPushType(apns);
    const headers: Record<string, string> = {
      'apns-topic': topicFor(this.options.topic, pushType),
      'apns-push-type': pushType,
      'apns-expiration': String(apns.expiration ?? Math.floor(expiresAt / 1000)),
      'apns-priority': String(apns.priority ?? (pushType === 'background' ? 5 : 10)),
      'content-type': 'application/json',
    };
    if (apns.collapse_id !== undefined) headers['apns-collapse-id'] = apns.collapse_id;
    return headers;
  }

  private post(token: string, headers: Record<string, string>, body: string): Promise<SendOutcome> {
    if (this.closed) return Promise.resolve({ kind: 'retry', reason: 'the apns provider is closed' });
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve) => {
      let settled = false;
      let status = 0;
      let retryAfter: string | undefined;
      const chunks: Buffer[] = [];
      let session: ClientHttp2Session | undefined;
      let stream: ReturnType<ClientHttp2Session['request']> | undefined;
      const finish = (outcome: SendOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        finish({ kind: 'retry', reason: `no answer within ${timeoutMs} ms` });
        stream?.close(constants.NGHTTP2_CANCEL);
        // why: a session still connecting after a whole timeout is stuck (a blackholed address); drop it.
        if (session?.connecting) session.destroy();
      }, timeoutMs);
      try {
        session = this.session();
        stream = session.request({
          ':method': 'POST',
          ':path': `/3/device/${token}`,
          authorization: `bearer ${this.jwt()}`,
          ...headers,
          'content-length': String(Buffer.byteLength(body)),
        });
      } catch (err) {
        return finish({ kind: 'retry', reason: `connection error: ${(err as NodeJS.ErrnoException).code ?? 'unknown'}` });
      }
      stream.on('response', (h) => {
        status = Number(h[':status'] ?? 0);
        retryAfter = h['retry-after'] as string | undefined;
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('end', () => finish(status === 0 ? { kind: 'retry', reason: 'the stream ended without an answer' } : classify(status, Buffer.concat(chunks).toString('utf8'), retryAfter)));
      stream.once('error', (err: NodeJS.ErrnoException) => finish({ kind: 'retry', reason: `connection error: ${err.code ?? 'unknown'}` }));
      stream.once('close', () => finish({ kind: 'retry', reason: 'the stream closed without an answer' }));
      stream.end(body);
    });
  }

  private session(): ClientHttp2Session {
    const origin = this.options.endpoint ?? APNS_PRODUCTION;
    const existing = this.sessions.get(origin);
    if (existing !== undefined && !existing.closed && !existing.destroyed) return existing;
    const session = connect(origin, this.secureContext !== undefined ? { secureContext: this.secureContext } : {});
    const forget = (): void => {
      if (this.sessions.get(origin) === session) this.sessions.delete(origin);
    };
    // why: a failed or draining session must not take new streams; the next request opens a fresh one.
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    this.sessions.set(origin, session);
    return session;
  }

  private jwt(): string {
    const now = (this.options.now ?? Date.now)();
    const refreshMs = this.options.tokenRefreshMs ?? 50 * 60_000;
    if (this.token === undefined || now - this.token.issuedAt >= refreshMs) {
      const jwt = signJwt('ES256', this.key, { iss: this.options.teamId, iat: Math.floor(now / 1000) }, { kid: this.options.keyId });
      this.token = { jwt, issuedAt: now };
    }
    return this.token.jwt;
  }
}

/** defaultPushType is `background` for an aps holding only `content-available`, else `alert`. */
function defaultPushType(apns: ApnsNotification): ApnsPushType {
  const keys = Object.keys(apns.aps);
  return keys.length > 0 && keys.every((k) => k === 'content-available') ? 'background' : 'alert';
}

/** topicFor adds the suffix Apple requires for some push types to the bundle id. */
function topicFor(bundleId: string, pushType: ApnsPushType): string {
  const suffix = pushType === 'voip' ? '.voip' : pushType === 'complication' ? '.complication' : pushType === 'fileprovider' ? '.pushkit.fileprovider' : pushType === 'liveactivity' ? '.push-type.liveactivity' : pushType === 'location' ? '.location-query' : pushType === 'pushtotalk' ? '.voip-ptt' : '';
  return bundleId.endsWith(suffix) ? bundleId : bundleId + suffix;
}

/** classify reads APNs' answer: its status and the JSON `reason` it gives for every failure. */
function classify(status: number, body: string, retryAfter: string | undefined): SendOutcome {
  if (status === 200) return { kind: 'delivered', status };
  let reason = `HTTP ${status}`;
  try {
    const parsed = JSON.parse(body) as { reason?: unknown };
    if (typeof parsed.reason === 'string' && /^[A-Za-z]{1,64}$/.test(parsed.reason)) reason = parsed.reason;
  } catch {
    // why: a body that is not APNs JSON (a proxy's error page) leaves the status as the reason.
  }
  if (INVALID_TOKEN_REASONS.has(reason) || status === 410) return { kind: 'invalid-token', status, reason };
  if (status === 403 && reason === 'ExpiredProviderToken') return { kind: 'retry', status, reason };
  const outcome = statusOutcome(status, reason, retryAfter);
  if (outcome.kind === 'retry' && outcome.retryAfterMs === undefined && status === 429) {
    // why: APNs sends no Retry-After on 429; back off at least a second rather than hammer the same device.
    return { ...outcome, retryAfterMs: parseRetryAfter('1') };
  }
  return outcome;
}
