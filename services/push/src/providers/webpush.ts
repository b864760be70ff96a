import { createRequire } from 'node:module';
import type WebPushLib from 'web-push';
import { webBody, type WebPushSubscription } from '@sockudo-ts/shared';
import { ProviderHttp } from './http.js';
import { DEFAULT_TIMEOUT_MS, refusal, remainingSeconds, statusOutcome, type PushProvider, type SendOutcome, type SendRequest } from './provider.js';


// why: web-push and its dependencies cost ~0.1 s to load; a server without Web Push configured never loads them.
const require = createRequire(import.meta.url);
let loaded: typeof WebPushLib | undefined;
const webpushLib = (): typeof WebPushLib => (loaded ??= require('web-push') as typeof WebPushLib);

/** VapidKeys identify the application server to push services (RFC 8292); keys are base64url. */
export interface VapidKeys {
  /** subject is a `mailto:` or `https:` contact for the push service operator. */
  subject: string;
  /** publicKey is the uncompressed P-256 public key (65 bytes), the one browsers subscribed with. */
  publicKey: string;
  /** privateKey is the 32-byte P-256 private key. */
  privateKey: string;
}

/** WebPushOptions configure Web Push delivery (the `[push.providers.webpush]` section). */
export interface WebPushOptions {
  vapid: VapidKeys;
  /** timeoutMs bounds each request. Default 10000. */
  timeoutMs?: number;
  /** ca adds a trusted CA (tests trust their fake push service's). */
  ca?: string | Buffer;
  now?: () => number;
}

/**
 * WebPushProvider delivers to browsers: the `web-push` library encrypts the body (aes128gcm, RFC 8291) and
 * signs the VAPID JWT (RFC 8292, one per push service, cached); the request itself goes over this provider's
 * keep-alive connections with its timeout. 404 and 410 mean the subscription is gone.
 */
export class WebPushProvider implements PushProvider {
  readonly platform = 'web' as const;
  private readonly http: ProviderHttp;
  private readonly vapid = new Map<string, { header: string; expiresAt: number }>();

  constructor(private readonly options: WebPushOptions) {
    const { subject, publicKey, privateKey } = options.vapid;
    if (!/^(mailto:|https:)/.test(subject)) throw new Error('the VAPID subject must be a mailto: or https: URL');
    if (Buffer.from(publicKey, 'base64url').length !== 65) throw new Error('the VAPID public key must be 65 bytes, base64url');
    if (Buffer.from(privateKey, 'base64url').length !== 32) throw new Error('the VAPID private key must be 32 bytes, base64url');
    try {
      webpushLib().getVapidHeaders('https://push.example', subject, publicKey, privateKey, 'aes128gcm');
    } catch {
      throw new Error('the VAPID keys cannot sign (is the private key on P-256?)');
    }
    this.http = new ProviderHttp(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.ca);
  }

  async send(request: SendRequest): Promise<SendOutcome> {
    const refused = refusal('web', request);
    if (refused !== undefined) return refused;
    const web = request.notification.web!;
    const { subscription } = request.device as { subscription: WebPushSubscription };
    let details: ReturnType<typeof WebPushLib.generateRequestDetails>;
    let authorization: string;
    try {
      authorization = this.vapidAuthorization(subscription.endpoint);
      details = webpushLib().generateRequestDetails(subscription, webBody(web), {
        TTL: remainingSeconds(request.expiresAt, this.now()),
        contentEncoding: 'aes128gcm',
        ...(web.urgency !== undefined ? { urgency: web.urgency } : {}),
        ...(web.topic !== undefined ? { topic: web.topic } : {}),
      });
    } catch {
      // why: registration checked the keys' shape; keys that still cannot encrypt (not on the curve) never will.
      return { kind: 'invalid-token', status: 0, reason: 'the subscription keys cannot be used' };
    }
    const headers: Record<string, string | number> = { Authorization: authorization };
    for (const [name, value] of Object.entries(details.headers)) if (name.toLowerCase() !== 'content-length') headers[name] = value as string | number;
    const answer = await this.http.request(details.endpoint, { method: 'POST', headers, body: details.body ?? Buffer.alloc(0) });
    if (!answer.ok) return { kind: 'retry', reason: answer.reason };
    if (answer.status === 404 || answer.status === 410) return { kind: 'invalid-token', status: answer.status, reason: `HTTP ${answer.status}` };
    return statusOutcome(answer.status, `HTTP ${answer.status}`, answer.headers['retry-after']);
  }

  async close(): Promise<void> {
    this.http.close();
  }

  /**
   * vapidAuthorization is the `vapid t=..., k=...` header for an endpoint's push service, signed for 12 hours
   * and reused until an hour is left. why: signing one per message (what web-push does) costs more CPU than
   * the encryption itself.
   */
  private vapidAuthorization(endpoint: string): string {
    const audience = new URL(endpoint).origin;
    const now = this.now();
    const cached = this.vapid.get(audience);
    if (cached !== undefined && cached.expiresAt - now > 3_600_000) return cached.header;
    const { subject, publicKey, privateKey } = this.options.vapid;
    const exp = Math.floor(now / 1000) + 12 * 3600;
    const header = webpushLib().getVapidHeaders(audience, subject, publicKey, privateKey, 'aes128gcm', exp).Authorization;
    // why: audiences are the few push services browsers use; the cap only guards against odd endpoints.
    if (this.vapid.size >= 1000) this.vapid.clear();
    this.vapid.set(audience, { header, expiresAt: exp * 1000 });
    return header;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
