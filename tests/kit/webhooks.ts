import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import PusherServer from 'pusher';
import type { TestApp } from './server.js';
import { waitFor } from './clients.js';

/** ReceivedEvent is one event of a webhook body. */
export interface ReceivedEvent {
  name: string;
  channel: string;
  [field: string]: unknown;
}

/** ReceivedWebhook is one request the receiver got, with the `pusher` SDK's verdict on it. */
export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** valid is `pusher.webhook({headers, rawBody}).isValid()` with the app whose key the request names. */
  valid: boolean;
  /** appId is the test app whose key the request carried (undefined for an unknown key). */
  appId?: string;
  timeMs?: number;
  /** events are the body's events without their `id` (tests compare the Pusher fields). */
  events: ReceivedEvent[];
  /** ids are the events' ids, index-aligned with `events` (the de-duplication key; undefined when absent). */
  ids: Array<string | undefined>;
  /** status is what the receiver answered. */
  status: number;
  at: number;
}

/** Responder picks the status for a request (`index` counts requests to the same path from 0); 0 never answers. */
export type Responder = (path: string, index: number) => number;

/**
 * WebhookReceiver is a real HTTP server that receives webhooks and validates EVERY request with the `pusher`
 * SDK (`webhook({headers, rawBody}).isValid()`) against the app its X-Pusher-Key names. It can be told to
 * fail, and be taken down (every connection reset) and brought back.
 */
export class WebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  respond: Responder = () => 200;
  /** onHold receives a way to drop each request the responder chose not to answer (status 0). */
  onHold?: (release: () => void) => void;
  private server?: Server;
  private port = 0;
  private refusing = false;
  private readonly perPath = new Map<string, number>();
  private readonly sdks = new Map<string, { app: TestApp; sdk: PusherServer }>();

  constructor(apps: TestApp[]) {
    for (const app of apps) this.addApp(app);
  }

  /** addApp makes the receiver accept and validate webhooks of another app. */
  addApp(app: TestApp): void {
    this.sdks.set(app.key, { app, sdk: new PusherServer({ appId: app.id, key: app.key, secret: app.secret, host: '127.0.0.1' }) });
  }

  /** url returns the receiver's address for a path (each endpoint of a test gets its own path). */
  url(path = '/webhooks'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** start listens on a random port, or serves again after `down`. */
  async start(): Promise<this> {
    if (this.server !== undefined) {
      this.refusing = false;
      return this;
    }
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '/';
        const index = this.perPath.get(path) ?? 0;
        this.perPath.set(path, index + 1);
        const key = String(req.headers['x-pusher-key'] ?? '');
        const known = this.sdks.get(key);
        const valid = known !== undefined && known.sdk.webhook({ headers: req.headers as Record<string, string>, rawBody }).isValid();
        let events: ReceivedEvent[] = [];
        let ids: Array<string | undefined> = [];
        let timeMs: number | undefined;
        try {
          const body = JSON.parse(rawBody) as { time_ms?: number; events?: ReceivedEvent[] };
          ids = (body.events ?? []).map((e) => (typeof e.id === 'string' ? e.id : undefined));
          events = (body.events ?? []).map(({ id: _id, ...fields }) => fields as ReceivedEvent);
          timeMs = body.time_ms;
        } catch {
          events = [];
        }
        const status = this.respond(path, index);
        this.requests.push({ path, headers: req.headers, rawBody, valid, appId: known?.app.id, timeMs, events, ids, status, at: Date.now() });
        if (status === 0) {
          this.onHold?.(() => res.destroy());
          return;
        }
        res.writeHead(status, { 'Content-Type': 'text/plain' });
        res.end(status < 300 ? 'ok' : 'no');
      });
    });
    // why: while down, connections are reset as they arrive instead of the port being closed, so that no
    // other test's listener can take the port in between (parallel test files bind random ports).
    server.on('connection', (socket) => {
      if (this.refusing) socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** down makes every connection fail (reset on arrival) until `start` is called again. */
  async down(): Promise<void> {
    this.refusing = true;
    this.server?.closeAllConnections();
  }

  /** close stops the receiver for good. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** accepted lists the events of requests answered 2xx (for one path, when given). */
  accepted(path?: string): ReceivedEvent[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300 && (path === undefined || r.path === path)).flatMap((r) => r.events);
  }

  /** invalid lists requests the SDK did not validate (every test expects none). */
  invalid(): ReceivedWebhook[] {
    return this.requests.filter((r) => !r.valid);
  }

  /** waitAccepted waits until `count` accepted events match `pred`, and returns them. */
  async waitAccepted(pred: (e: ReceivedEvent) => boolean, count = 1, timeoutMs = 10_000, path?: string): Promise<ReceivedEvent[]> {
    await waitFor(() => this.accepted(path).filter(pred).length >= count, timeoutMs, `${count} accepted webhook event(s)`);
    return this.accepted(path).filter(pred);
  }
}

/** startWebhookReceiver starts a receiver that validates webhooks of these apps. */
export function startWebhookReceiver(apps: TestApp[]): Promise<WebhookReceiver> {
  return new WebhookReceiver(apps).start();
}

/** event matches a received event by name and channel (and user_id, when given). */
export const event =
  (name: string, channel: string, userId?: string) =>
  (e: ReceivedEvent): boolean =>
    e.name === name && e.channel === channel && (userId === undefined || e.user_id === userId);
