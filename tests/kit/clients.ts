import PusherJsImport from 'pusher-js';
import PusherServer from 'pusher';
import WebSocket from 'ws';
import type { TestApp, TestServer } from './server.js';

// why: pusher-js ships CommonJS typings; under NodeNext its default export is the namespace.
const PusherJs = PusherJsImport as unknown as typeof PusherJsImport.default;
/** PusherClient is a pusher-js 8 client instance. */
export type PusherClient = InstanceType<typeof PusherJs>;

/** Target is what a client needs of a server: where it listens and its app (embedded server or cluster node). */
export type Target = Pick<TestServer, 'host' | 'port' | 'app'>;

/** ClientOptions adjust a pusher-js client: which app, and the user/channel data its backend signs. */
export interface ClientOptions {
  app?: TestApp;
  /** channelData returns the presence channel_data the backend would sign for a channel. */
  channelData?: (channel: string) => { user_id: string | number; user_info?: unknown } | undefined;
  /** userData is what the backend signs for `signin()`. */
  userData?: { id: string; user_info?: unknown; watchlist?: string[] };
  /** encryptionMasterKeyBase64 enables end-to-end encrypted channels in the backend. */
  encryptionMasterKeyBase64?: string;
  /** forbid makes the backend sign with a wrong secret (to provoke auth errors). */
  wrongSecret?: boolean;
}

/** apiClient returns the `pusher` server SDK pointed at the test server. */
export function apiClient(server: Target, app: TestApp = server.app, extra: Record<string, unknown> = {}): PusherServer {
  return new PusherServer({
    appId: app.id,
    key: app.key,
    secret: app.secret,
    host: server.host,
    port: String(server.port),
    useTLS: false,
    ...extra,
  } as ConstructorParameters<typeof PusherServer>[0]);
}

/**
 * pusherClient returns a pusher-js client whose channel and user authorization is done like an app
 * backend would: with the `pusher` SDK's authorizeChannel / authenticateUser and the app's secret.
 */
export function pusherClient(server: Target, options: ClientOptions = {}): PusherClient {
  const app = options.app ?? server.app;
  const backend = apiClient(server, options.wrongSecret ? { ...app, secret: 'not-the-secret' } : app, {
    ...(options.encryptionMasterKeyBase64 ? { encryptionMasterKeyBase64: options.encryptionMasterKeyBase64 } : {}),
  });
  return new PusherJs(app.key, {
    cluster: 'local',
    wsHost: server.host,
    wsPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    channelAuthorization: {
      endpoint: '/unused',
      transport: 'ajax',
      customHandler: (params: { socketId: string; channelName: string }, callback: (err: Error | null, data: unknown) => void) => {
        const data = options.channelData?.(params.channelName);
        callback(null, backend.authorizeChannel(params.socketId, params.channelName, data as never));
      },
    },
    userAuthentication: {
      endpoint: '/unused',
      transport: 'ajax',
      customHandler: (params: { socketId: string }, callback: (err: Error | null, data: unknown) => void) => {
        if (!options.userData) return callback(new Error('no user data in this test client'), null);
        callback(null, backend.authenticateUser(params.socketId, options.userData as never));
      },
    },
  } as never);
}

/** connected resolves with the socket id once the client is connected. */
export function connected(client: PusherClient): Promise<string> {
  return new Promise((resolve, reject) => {
    if (client.connection.state === 'connected') return resolve(client.connection.socket_id);
    const timer = setTimeout(() => reject(new Error(`not connected (state ${client.connection.state})`)), 10_000);
    client.connection.bind('connected', () => {
      clearTimeout(timer);
      resolve(client.connection.socket_id);
    });
  });
}

/** subscribed subscribes and resolves with the channel once subscription_succeeded arrives. */
export function subscribed(client: PusherClient, name: string) {
  const channel = client.subscribe(name);
  return new Promise<typeof channel>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`subscription to ${name} did not succeed`)), 10_000);
    channel.bind('pusher:subscription_succeeded', () => {
      clearTimeout(timer);
      resolve(channel);
    });
    channel.bind('pusher:subscription_error', (e: unknown) => {
      clearTimeout(timer);
      reject(new Error(`subscription_error on ${name}: ${JSON.stringify(e)}`));
    });
  });
}

/** nextEvent resolves with the data of the next `event` on a channel or client binding. */
export function nextEvent<T = unknown>(target: { bind(e: string, cb: (d: T) => void): unknown; unbind(e: string, cb: (d: T) => void): unknown }, event: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const handler = (data: T): void => {
      clearTimeout(timer);
      target.unbind(event, handler);
      resolve(data);
    };
    const timer = setTimeout(() => {
      target.unbind(event, handler);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    target.bind(event, handler);
  });
}

/**
 * bystanderCheck returns a check that the bystander of an attack test still receives: each call publishes a
 * numbered `tick` to `channel` with `publish(n)` and waits until the bystander's pusher-js delivers exactly it.
 * `bystander` is read at each call (tests connect it in a hook).
 */
export function bystanderCheck(bystander: () => PusherClient, publish: (n: number) => Promise<void>, channel = 'bystander'): () => Promise<void> {
  let sent = 0;
  return async () => {
    const n = ++sent;
    const got = nextEvent<{ n: number }>(bystander().channel(channel) as never, 'tick');
    await publish(n);
    const data = await got;
    if (data.n !== n) throw new Error(`the bystander got tick ${JSON.stringify(data)}, expected ${n}`);
  };
}

/** RawFrame is a parsed server frame seen by a raw socket. */
export interface RawFrame {
  event: string;
  channel?: string;
  data?: string;
  user_id?: string;
}

/** RawClient is a plain `ws` client that records frames, for what pusher-js cannot send. */
export class RawClient {
  readonly frames: RawFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      try {
        this.frames.push(JSON.parse(String(data)) as RawFrame);
      } catch {
        this.frames.push({ event: '<unparsable>', data: String(data) });
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    ws.on('error', () => undefined);
  }

  /** waitFrame resolves with the first recorded frame matching `pred` (past or future). */
  waitFrame(pred: (f: RawFrame) => boolean, timeoutMs = 5000): Promise<RawFrame> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.frames.find(pred);
        if (found) resolve(found);
        return found !== undefined;
      };
      if (check()) return;
      const timer = setTimeout(() => reject(new Error(`no matching frame in ${timeoutMs} ms; saw ${JSON.stringify(this.frames.map((f) => f.event))}`)), timeoutMs);
      const again = (): void => {
        if (check()) clearTimeout(timer);
        else this.waiters.push(again);
      };
      this.waiters.push(again);
    });
  }

  /** event waits for a frame with this event name (and channel, when given). */
  event(name: string, channel?: string, timeoutMs?: number): Promise<RawFrame> {
    return this.waitFrame((f) => f.event === name && (channel === undefined || f.channel === channel), timeoutMs);
  }

  /** socketId waits for connection_established and returns the socket id. */
  async socketId(): Promise<string> {
    const f = await this.event('pusher:connection_established');
    return (JSON.parse(f.data!) as { socket_id: string }).socket_id;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  close(): void {
    this.ws.terminate();
  }
}

/**
 * onBounce calls `seen` each time a server refuses one of the client's handshakes with 4200: an error while
 * connecting, not the close of an open socket; a reconnect that landed on a server that is shutting down.
 */
export function onBounce(client: PusherClient, seen: () => void): void {
  client.connection.bind('error', (e: { type?: string; error?: { data?: { code?: number } } }) => {
    if (e.type === 'WebSocketError' && e.error?.data?.code === 4200 && client.connection.state === 'connecting') seen();
  });
}

/** rawClient opens a raw WebSocket to the server; `path` defaults to the app's `/app/{key}?protocol=7`. */
export async function rawClient(server: Target, path?: string, headers: Record<string, string> = {}): Promise<RawClient> {
  const ws = new WebSocket(`ws://${server.host}:${server.port}${path ?? `/app/${server.app.key}?protocol=7&client=js&version=8.6.0`}`, { headers });
  const client = new RawClient(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return client;
}

/** waitFor polls `check` until it returns true or the timeout passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** sleep waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
