import { randomUUID, type KeyObject } from 'node:crypto';
import { createSecureServer, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { FakeService } from './listener.js';
import { verifyJwt } from './jwt-verify.js';
import { testCertificates } from './tls.js';

/** ApnsFakeOptions are what the fake knows of the provider account: team, key (public half) and bundle id. */
export interface ApnsFakeOptions {
  teamId: string;
  keyId: string;
  /** publicKey is the public half of the `.p8` key the client signs with. */
  publicKey: KeyObject;
  /** topic is the bundle id the account may push to. */
  topic: string;
  now?: () => number;
}

/** ApnsDelivery is one notification the fake accepted, with the headers it came with. */
export interface ApnsDelivery {
  token: string;
  topic: string;
  pushType: string;
  priority: string;
  expiration: string;
  collapseId?: string;
  payload: Record<string, unknown>;
  /** jwt is the provider token the request carried. */
  jwt: string;
}

const PUSH_TYPES = new Set(['alert', 'background', 'voip', 'complication', 'fileprovider', 'mdm', 'location', 'liveactivity', 'pushtotalk']);

/**
 * ApnsFake is an APNs server for tests: HTTP/2 over TLS with a certificate from a CA made at test time. It
 * checks what Apple checks (the ES256 provider token's signature, kid, iss and age; the topic, push type,
 * priority, expiration, collapse id; the path's device token; the body's size and aps) and answers with
 * Apple's statuses and reasons. Protocol mistakes are kept in `problems`; `faults` makes it misbehave.
 */
export class ApnsFake extends FakeService {
  readonly deliveries: ApnsDelivery[] = [];
  /** jwts are the distinct provider tokens seen, in order. */
  readonly jwts: string[] = [];
  /** sessions counts the HTTP/2 sessions clients opened. */
  sessions = 0;

  private constructor(private readonly options: ApnsFakeOptions) {
    const { key, cert } = testCertificates();
    const server = createSecureServer({ key, cert });
    super(server);
    server.on('stream', (stream, headers) => this.handle(stream, headers));
    server.on('sessionError', () => undefined);
    server.on('session', () => this.sessions++);
  }

  /** start runs a fake on a random port of 127.0.0.1. */
  static async start(options: ApnsFakeOptions): Promise<ApnsFake> {
    const fake = new ApnsFake(options);
    await fake.listener.start();
    return fake;
  }

  /** origin is the fake's `https://127.0.0.1:port`, the client's endpoint. */
  get origin(): string {
    return this.listener.origin('https');
  }

  /** delivered lists what one device token received. */
  delivered(token: string): ApnsDelivery[] {
    return this.deliveries.filter((d) => d.token === token);
  }

  private handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on('error', () => undefined);
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => this.answer(stream, headers, Buffer.concat(chunks)));
  }

  private answer(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: Buffer): void {
    const refuse = (status: number, reason: string): void => {
      this.problems.push(`${status} ${reason}`);
      reply(stream, status, { reason });
    };
    if (headers[':method'] !== 'POST') return refuse(405, 'MethodNotAllowed');
    const path = /^\/3\/device\/([^/]+)$/.exec(String(headers[':path']));
    if (path === null) return refuse(404, 'BadPath');
    const token = path[1]!;
    if (!/^[0-9a-fA-F]+$/.test(token)) return refuse(400, 'BadDeviceToken');
    const auth = /^bearer (.+)$/.exec(String(headers.authorization ?? ''));
    if (auth === null) return refuse(403, 'MissingProviderToken');
    const jwt = auth[1]!;
    const tokenProblem = this.checkJwt(jwt);
    if (tokenProblem !== undefined) return refuse(403, tokenProblem);
    const topic = String(headers['apns-topic'] ?? '');
    if (topic === '') return refuse(400, 'MissingTopic');
    if (!topic.startsWith(this.options.topic)) return refuse(400, 'TopicDisallowed');
    const pushType = String(headers['apns-push-type'] ?? '');
    if (!PUSH_TYPES.has(pushType)) return refuse(400, 'InvalidPushType');
    const priority = String(headers['apns-priority'] ?? '10');
    if (!['1', '5', '10'].includes(priority)) return refuse(400, 'BadPriority');
    const expiration = String(headers['apns-expiration'] ?? '0');
    if (!/^\d+$/.test(expiration)) return refuse(400, 'BadExpirationDate');
    const collapseId = headers['apns-collapse-id'] as string | undefined;
    if (collapseId !== undefined && Buffer.byteLength(collapseId) > 64) return refuse(400, 'BadCollapseId');
    if (body.length > (pushType === 'voip' ? 5120 : 4096)) return refuse(413, 'PayloadTooLarge');
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return refuse(400, 'PayloadEmpty');
    }
    if (typeof payload.aps !== 'object' || payload.aps === null) return refuse(400, 'PayloadEmpty');

    const fault = this.faults.take(token);
    if (fault?.kind === 'stall') return;
    if (fault?.kind === 'unregistered') return reply(stream, 410, { reason: 'Unregistered', timestamp: this.now() });
    if (fault?.kind === 'throttle') return reply(stream, 429, { reason: 'TooManyRequests' }, fault.retryAfterSeconds);
    if (fault?.kind === 'error') return reply(stream, fault.status, { reason: fault.reason ?? (fault.status === 503 ? 'ServiceUnavailable' : 'InternalServerError') });
    this.deliveries.push({ token, topic, pushType, priority, expiration, ...(collapseId !== undefined ? { collapseId } : {}), payload, jwt });
    stream.respond({ ':status': 200, 'apns-id': randomUUID() });
    stream.end();
  }

  /** checkJwt returns Apple's reason when the provider token is not acceptable. */
  private checkJwt(jwt: string): string | undefined {
    const verified = verifyJwt(jwt, 'ES256', this.options.publicKey);
    if (typeof verified === 'string') return 'InvalidProviderToken';
    const { header, claims } = verified;
    if (header.kid !== this.options.keyId || claims.iss !== this.options.teamId || typeof claims.iat !== 'number') return 'InvalidProviderToken';
    const nowSeconds = Math.floor(this.now() / 1000);
    if (claims.iat > nowSeconds + 60) return 'InvalidProviderToken';
    if (nowSeconds - claims.iat > 3600) return 'ExpiredProviderToken';
    if (!this.jwts.includes(jwt)) this.jwts.push(jwt);
    return undefined;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function reply(stream: ServerHttp2Stream, status: number, body: Record<string, unknown>, retryAfterSeconds?: number): void {
  if (stream.destroyed) return;
  stream.respond({ ':status': status, 'content-type': 'application/json', ...(retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {}) });
  stream.end(JSON.stringify(body));
}
