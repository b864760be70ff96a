import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { hmacSha256Hex, type App, type WebhookEvent } from '@sockudo-ts/shared';

/** DeliveryOutcome is how one POST ended: accepted, worth retrying, or refused for good. */
export type DeliveryOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status?: number; reason: string }
  | { kind: 'rejected'; status: number; reason: string };

/** WebhookRequest is one signed POST: the exact body and every header sent with it. */
export interface WebhookRequest {
  body: string;
  headers: Record<string, string>;
}

/** RETRYABLE_STATUSES are the 4xx answers that mean "try again later"; every 5xx is retried too. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 409, 425, 429]);

/**
 * signedRequest builds the body `{"time_ms", "events"}` and the PROTOCOL.md §9 headers, signed with this
 * app's secret only. Custom headers come first so that they can never replace the three Pusher headers.
 */
export function signedRequest(app: App, events: readonly WebhookEvent[], customHeaders: Record<string, string>, now = Date.now()): WebhookRequest {
  const body = JSON.stringify({ time_ms: now, events });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(customHeaders)) {
    if (!/^(content-type|x-pusher-key|x-pusher-signature|content-length|host)$/i.test(name)) headers[name] = value;
  }
  headers['Content-Type'] = 'application/json';
  headers['X-Pusher-Key'] = app.key;
  headers['X-Pusher-Signature'] = hmacSha256Hex(app.secret, body);
  return { body, headers };
}

/** classifyStatus maps an HTTP status to an outcome: 2xx delivered; 5xx and RETRYABLE_STATUSES retried. */
export function classifyStatus(status: number): DeliveryOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status >= 500 || RETRYABLE_STATUSES.has(status)) return { kind: 'retry', status, reason: `HTTP ${status}` };
  return { kind: 'rejected', status, reason: `HTTP ${status}` };
}

/** safeUrl is a URL without credentials or query string, fit for logs and error messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

// why: keep-alive agents reuse connections to the same receiver across deliveries.
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });

/**
 * postWebhook sends one signed request and classifies the result. Timeouts and connection errors are
 * retryable; it never throws.
 */
export function postWebhook(url: string, request: WebhookRequest, timeoutMs: number): Promise<DeliveryOutcome> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return resolve({ kind: 'rejected', status: 0, reason: 'invalid webhook url' });
    }
    const secure = target.protocol === 'https:';
    if (!secure && target.protocol !== 'http:') return resolve({ kind: 'rejected', status: 0, reason: `unsupported protocol ${target.protocol}` });
    let settled = false;
    const finish = (outcome: DeliveryOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const send = secure ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: 'POST',
        agent: secure ? httpsAgent : httpAgent,
        headers: { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)) },
      },
      (res: IncomingMessage) => {
        // why: drain the answer so that the keep-alive socket can be reused; its content does not matter.
        res.resume();
        res.once('end', () => finish(classifyStatus(res.statusCode ?? 0)));
        res.once('error', (err) => finish({ kind: 'retry', status: res.statusCode, reason: `response error: ${err.message}` }));
      },
    );
    const timer = setTimeout(() => {
      finish({ kind: 'retry', reason: `no response within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.once('error', (err: NodeJS.ErrnoException) => finish({ kind: 'retry', reason: `connection error: ${err.code ?? err.message}` }));
    req.end(request.body);
  });
}
