import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebPushSubscription } from '@sockudo-ts/shared';
import { decryptWebPush } from './ece.js';
import { FakeService, readBody } from './listener.js';
import { p256PublicKey, verifyJwt } from './jwt-verify.js';
import { testCertificates } from './tls.js';

/** WebPushFakeOptions name the application server key (VAPID public key) browsers subscribe with. */
export interface WebPushFakeOptions {
  vapidPublicKey: string;
  now?: () => number;
}

/** WebPushDelivery is one message the fake accepted, decrypted, with the headers it came with. */
export interface WebPushDelivery {
  /** id is the subscription's id: the last segment of its endpoint. */
  id: string;
  payload: unknown;
  ttl: number;
  urgency?: string;
  topic?: string;
}

interface Browser {
  keys: ECDH;
  auth: Buffer;
}

/**
 * WebPushFake is a push service and its browsers for tests: `subscribe()` makes a subscription whose
 * private key only the fake holds; a push to it must carry a VAPID JWT (RFC 8292) signed for this origin
 * with the subscribed application server key, and an aes128gcm body (RFC 8291) that the fake DECRYPTS with
 * that private key. It answers as push services do: 201, 404/410 for a gone subscription, 429, 413, 5xx.
 */
export class WebPushFake extends FakeService {
  readonly deliveries: WebPushDelivery[] = [];
  /** vapidTokens are the distinct VAPID JWTs seen, in order. */
  readonly vapidTokens: string[] = [];
  private readonly browsers = new Map<string, Browser>();

  private constructor(private readonly options: WebPushFakeOptions) {
    const { key, cert } = testCertificates();
    super(createServer({ key, cert }, (req, res) => readBody(req, (body) => this.answer(req, body, res))));
  }

  static async start(options: WebPushFakeOptions): Promise<WebPushFake> {
    const fake = new WebPushFake(options);
    await fake.listener.start();
    return fake;
  }

  get origin(): string {
    return this.listener.origin('https');
  }

  /** subscribe is a browser subscribing: a new P-256 key pair and auth secret, and the subscription JSON. */
  subscribe(): WebPushSubscription {
    const keys = createECDH('prime256v1');
    keys.generateKeys();
    const auth = randomBytes(16);
    const id = randomBytes(12).toString('hex');
    this.browsers.set(id, { keys, auth });
    return { endpoint: `${this.origin}/push/${id}`, keys: { p256dh: keys.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } };
  }

  /** unsubscribe forgets a subscription, as a browser does; pushes to it then get 410. */
  unsubscribe(subscription: WebPushSubscription): void {
    this.browsers.delete(idOf(subscription));
  }

  /** delivered lists the decrypted messages one subscription received. */
  delivered(subscription: WebPushSubscription): WebPushDelivery[] {
    const id = idOf(subscription);
    return this.deliveries.filter((d) => d.id === id);
  }

  private answer(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const refuse = (status: number, why: string): void => {
      this.problems.push(`${status} ${why}`);
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(why);
    };
    const id = /^\/push\/([0-9a-f]+)$/.exec(req.url ?? '')?.[1];
    if (req.method !== 'POST' || id === undefined) return refuse(404, 'no such push resource');
    const browser = this.browsers.get(id);
    if (browser === undefined) return void res.writeHead(410).end();
    const vapid = this.checkVapid(String(req.headers.authorization ?? ''));
    if (vapid !== undefined) return refuse(vapid.status, vapid.why);
    if (req.headers['content-encoding'] !== 'aes128gcm') return refuse(400, 'Content-Encoding must be aes128gcm');
    const ttl = String(req.headers.ttl ?? '');
    if (!/^\d+$/.test(ttl)) return refuse(400, 'TTL header missing or not a number');
    const urgency = req.headers.urgency as string | undefined;
    if (urgency !== undefined && !['very-low', 'low', 'normal', 'high'].includes(urgency)) return refuse(400, 'bad Urgency');
    const topic = req.headers.topic as string | undefined;
    if (topic !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(topic)) return refuse(400, 'bad Topic');
    if (body.length > 4096) return refuse(413, 'payload over 4096 bytes');
    let payload: unknown;
    try {
      payload = JSON.parse(decryptWebPush(body, browser.keys, browser.auth).toString('utf8'));
    } catch (err) {
      return refuse(400, `cannot decrypt: ${(err as Error).message}`);
    }
    const fault = this.faults.take(id);
    if (fault?.kind === 'stall') return;
    if (fault?.kind === 'unregistered') return void res.writeHead(410).end();
    if (fault?.kind === 'throttle') return void res.writeHead(429, fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {}).end();
    if (fault?.kind === 'error') return void res.writeHead(fault.status).end();
    this.deliveries.push({ id, payload, ttl: Number(ttl), ...(urgency !== undefined ? { urgency } : {}), ...(topic !== undefined ? { topic } : {}) });
    res.writeHead(201, { Location: `${this.origin}/message/${randomBytes(8).toString('hex')}` }).end();
  }

  /** checkVapid applies RFC 8292: `vapid t=<jwt>, k=<key>`, the subscribed key, ES256, aud, exp and sub. */
  private checkVapid(authorization: string): { status: number; why: string } | undefined {
    const scheme = /^vapid\s+(.*)$/i.exec(authorization);
    if (scheme === null) return { status: 401, why: 'no vapid Authorization' };
    const params = new Map(scheme[1]!.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
    const t = params.get('t');
    const k = params.get('k');
    if (t === undefined || k === undefined) return { status: 401, why: 'vapid needs t and k' };
    if (k !== this.options.vapidPublicKey) return { status: 403, why: 'k is not the key the subscription was made with' };
    let key;
    try {
      key = p256PublicKey(Buffer.from(k, 'base64url'));
    } catch {
      return { status: 401, why: 'k is not a P-256 public key' };
    }
    const verified = verifyJwt(t, 'ES256', key);
    if (typeof verified === 'string') return { status: 401, why: `vapid jwt: ${verified}` };
    const { aud, exp, sub } = verified.claims;
    const now = Math.floor((this.options.now ?? Date.now)() / 1000);
    if (aud !== this.origin) return { status: 401, why: `aud ${String(aud)} is not ${this.origin}` };
    if (typeof exp !== 'number' || exp <= now || exp > now + 86_400) return { status: 401, why: 'exp missing, past, or over 24 hours ahead' };
    if (typeof sub !== 'string' || !/^(mailto:|https:)/.test(sub)) return { status: 401, why: 'sub must be a mailto: or https: URL' };
    if (!this.vapidTokens.includes(t)) this.vapidTokens.push(t);
    return undefined;
  }
}

function idOf(subscription: WebPushSubscription): string {
  return subscription.endpoint.slice(subscription.endpoint.lastIndexOf('/') + 1);
}
