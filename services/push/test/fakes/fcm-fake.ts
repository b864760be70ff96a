import { randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FakeService, readBody } from './listener.js';
import { verifyJwt } from './jwt-verify.js';

/** FcmFakeOptions are what the fake knows of the Firebase project and its service account. */
export interface FcmFakeOptions {
  projectId: string;
  clientEmail: string;
  /** publicKey is the public half of the service account's private key. */
  publicKey: KeyObject;
  /** staticToken is an access token accepted without an exchange (PUSH_FCM_PROVIDER_TOKEN). */
  staticToken?: string;
  /** tokenLifetimeSeconds is the `expires_in` of the access tokens it issues. Default 3600. */
  tokenLifetimeSeconds?: number;
  now?: () => number;
}

/** FcmMessage is one message the fake accepted: the target token and the whole v1 message. */
export interface FcmMessage {
  token: string;
  message: Record<string, unknown>;
}

/** TOKEN_ENDPOINT is the fault target that makes the OAuth token endpoint misbehave. */
export const TOKEN_ENDPOINT = 'token-endpoint';

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/**
 * FcmFake is Google's side of FCM HTTP v1 for tests: an OAuth2 token endpoint that checks the service
 * account's RS256 assertion (signature, iss, scope, aud, iat/exp) before issuing access tokens, and
 * `messages:send`, which checks the bearer token, the project and the message's shape (string-only data,
 * TTL format, priority, size) and answers with FCM's error bodies.
 */
export class FcmFake extends FakeService {
  readonly messages: FcmMessage[] = [];
  /** exchanges counts the access tokens issued. */
  exchanges = 0;
  private readonly issued = new Map<string, number>();

  private constructor(private readonly options: FcmFakeOptions) {
    super(createServer((req, res) => this.handle(req, res)));
  }

  static async start(options: FcmFakeOptions): Promise<FcmFake> {
    const fake = new FcmFake(options);
    await fake.listener.start();
    return fake;
  }

  /** origin is the FCM endpoint the client is pointed at. */
  get origin(): string {
    return this.listener.origin('http');
  }

  /** tokenUri is the service account's `token_uri`. */
  get tokenUri(): string {
    return `${this.origin}/token`;
  }

  /** delivered lists what one registration token received. */
  delivered(token: string): FcmMessage[] {
    return this.messages.filter((m) => m.token === token);
  }

  /** revokeTokens makes every access token issued so far invalid (FCM then answers 401). */
  revokeTokens(): void {
    this.issued.clear();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    readBody(req, (raw) => {
      const body = raw.toString('utf8');
      if (req.method === 'POST' && req.url === '/token') return this.token(req, body, res);
      const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.url ?? '');
      if (req.method === 'POST' && send !== null) return this.send(decodeURIComponent(send[1]!), req, body, res);
      this.problems.push(`404 ${req.method} ${req.url}`);
      json(res, 404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } });
    });
  }

  private token(req: IncomingMessage, body: string, res: ServerResponse): void {
    const fault = this.faults.take(TOKEN_ENDPOINT);
    if (fault?.kind === 'stall') return;
    if (fault?.kind === 'error') return json(res, fault.status, { error: 'internal_failure' });
    const refuse = (description: string): void => {
      this.problems.push(`token: ${description}`);
      json(res, 400, { error: 'invalid_grant', error_description: description });
    };
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return refuse('not a form');
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return refuse('wrong grant_type');
    const verified = verifyJwt(form.get('assertion') ?? '', 'RS256', this.options.publicKey);
    if (typeof verified === 'string') return refuse(`assertion: ${verified}`);
    const { iss, scope, aud, iat, exp } = verified.claims;
    const now = Math.floor(this.now() / 1000);
    if (iss !== this.options.clientEmail) return refuse('iss is not the service account');
    if (typeof scope !== 'string' || !scope.split(' ').includes(SCOPE)) return refuse('scope lacks firebase.messaging');
    if (aud !== this.tokenUri) return refuse('aud is not the token URI');
    if (typeof iat !== 'number' || typeof exp !== 'number' || iat > now + 60 || exp <= now || exp - iat > 3600) return refuse('iat/exp out of range');
    const accessToken = `ya29.${randomBytes(24).toString('base64url')}`;
    const lifetime = this.options.tokenLifetimeSeconds ?? 3600;
    this.issued.set(accessToken, this.now() + lifetime * 1000);
    this.exchanges++;
    json(res, 200, { access_token: accessToken, expires_in: lifetime, token_type: 'Bearer' });
  }

  private send(project: string, req: IncomingMessage, body: string, res: ServerResponse): void {
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const live = bearer !== undefined && (bearer === this.options.staticToken || (this.issued.get(bearer) ?? 0) > this.now());
    if (!live) return json(res, 401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
    const invalid = (message: string, field?: string): void => {
      this.problems.push(`400 ${message}`);
      json(res, 400, fcmError(400, 'INVALID_ARGUMENT', message, field !== undefined ? [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description: message }] }] : []));
    };
    if (project !== this.options.projectId) {
      this.problems.push(`403 project ${project}`);
      return json(res, 403, fcmError(403, 'PERMISSION_DENIED', 'wrong project', []));
    }
    let message: Record<string, unknown>;
    try {
      message = (JSON.parse(body) as { message: Record<string, unknown> }).message;
    } catch {
      return invalid('body is not JSON');
    }
    if (typeof message?.token !== 'string' || message.token === '') return invalid('message.token is required');
    if (!/^[\x21-\x7e]+$/.test(message.token)) return invalid('The registration token is not a valid FCM registration token', 'message.token');
    const data = message.data as Record<string, unknown> | undefined;
    if (data !== undefined && Object.values(data).some((v) => typeof v !== 'string')) return invalid('message.data values must be strings');
    const android = (message.android ?? {}) as Record<string, unknown>;
    if (android.ttl !== undefined && !/^\d+(\.\d{1,9})?s$/.test(String(android.ttl))) return invalid('android.ttl must be a duration like "3600s"');
    if (android.priority !== undefined && android.priority !== 'HIGH' && android.priority !== 'NORMAL') return invalid('android.priority must be HIGH or NORMAL');
    if (Buffer.byteLength(JSON.stringify({ notification: message.notification ?? {}, data: data ?? {} })) > 4096) return invalid('Message is too big');

    const fault = this.faults.take(message.token);
    if (fault?.kind === 'stall') return;
    if (fault?.kind === 'unregistered') {
      return json(res, 404, fcmError(404, 'NOT_FOUND', 'Requested entity was not found.', [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' }]));
    }
    if (fault?.kind === 'throttle') {
      const quota = fcmError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.', [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'QUOTA_EXCEEDED' }]);
      return json(res, 429, quota, fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {});
    }
    if (fault?.kind === 'error') return json(res, fault.status, fcmError(fault.status, fault.status === 503 ? 'UNAVAILABLE' : 'INTERNAL', 'try again', []));
    this.messages.push({ token: message.token, message });
    json(res, 200, { name: `projects/${project}/messages/${randomBytes(8).toString('hex')}` });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function fcmError(code: number, status: string, message: string, details: unknown[]): unknown {
  return { error: { code, message, status, details } };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
