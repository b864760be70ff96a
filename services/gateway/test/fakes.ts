import type { WebSocket } from 'ws';
import {
  ChannelPublisher,
  LocalPresence,
  MemoryAppStore,
  MemoryBus,
  MemoryCacheStore,
  MemoryPresenceStore,
  Metrics,
  asNodeId,
  buildConfig,
  createLogger,
  newSocketId,
  type App,
  type AppId,
  type ClientFrame,
  type WebhookEvent,
  type WebhookSink,
} from '@sockudo-ts/shared';
import { Connection, WriteBatcher } from '../src/connection.js';
import type { GatewayContext } from '../src/context.js';
import { LocalChannels } from '../src/local-channels.js';
import { UserIndex } from '../src/users.js';

// In-memory fakes of what a frame handler touches: the real shared memory implementations for presence,
// bus and cache, and a Connection over a fake WebSocket whose written bytes are decoded back into frames.

/** SentFrame is a server frame as a client would parse it: `data` parsed when it is a JSON string. */
export interface SentFrame {
  event: string;
  channel?: string;
  data?: any;
  user_id?: string;
}

/** FakeSocket is the WebSocket under a test Connection: what was written to it and how it was closed. */
export class FakeSocket {
  readonly chunks: Buffer[] = [];
  closedWith?: { code: number; reason: string };
  terminated = false;
  paused = false;
  /** _socket stands for the TCP socket the Connection writes its frames to. */
  readonly _socket = {
    destroyed: false,
    writableLength: 0,
    write: (buf: Buffer): boolean => {
      this.chunks.push(Buffer.from(buf));
      return true;
    },
  };
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }
  terminate(): void {
    this.terminated = true;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
}

/** TestApp builds an app with the server's defaults and the given fields. */
export function testApp(fields: Partial<App> = {}): App {
  const config = buildConfig([{ name: 'test', values: { app_manager: { array: { apps: [{ id: 'app-1', key: 'key-1', secret: 'secret-1', ...fields }] } } } }], {});
  return config.app_manager.array.apps[0]!;
}

/** WebhookRecorder is a WebhookSink that keeps every event. */
export class WebhookRecorder implements WebhookSink {
  readonly events: Array<{ appId: AppId; event: WebhookEvent }> = [];
  emit(appId: AppId, event: WebhookEvent): void {
    this.events.push({ appId, event });
  }
  /** names lists the recorded event names in order. */
  names(): string[] {
    return this.events.map((e) => e.event.name);
  }
}

/** Fakes is a GatewayContext over in-memory implementations, with handles on each part. */
export interface Fakes {
  ctx: GatewayContext;
  app: App;
  bus: MemoryBus;
  store: MemoryPresenceStore;
  presence: LocalPresence;
  cache: MemoryCacheStore;
  publisher: ChannelPublisher;
  channels: LocalChannels;
  users: UserIndex;
  webhooks: WebhookRecorder;
  batcher: WriteBatcher;
  /** failures holds what connection queues reported as failed tasks. */
  failures: unknown[];
  /** connect opens a Connection over a FakeSocket, admitted in presence like the gateway does. */
  connect(app?: App): Promise<{ conn: Connection; ws: FakeSocket }>;
  /** sent flushes a connection's queued frames and returns every frame it has written so far. */
  sent(ws: FakeSocket): SentFrame[];
}

/** fakes composes a context for handler tests; `app` fields override the defaults of the one test app. */
export function fakes(fields: Partial<App> = {}): Fakes {
  const app = testApp(fields);
  const apps = new MemoryAppStore([app]);
  const bus = new MemoryBus();
  const store = new MemoryPresenceStore();
  const webhooks = new WebhookRecorder();
  const presence = new LocalPresence(store, bus, apps, webhooks);
  const cache = new MemoryCacheStore();
  const publisher = new ChannelPublisher(bus, cache, 60);
  const channels = new LocalChannels(bus, () => undefined);
  const users = new UserIndex();
  const batcher = new WriteBatcher(1 << 20, (conn) => conn.close(4100, 'slow', false));
  const metrics = new Metrics('t_');
  const failures: unknown[] = [];
  const settings = buildConfig([], {});
  const ctx: GatewayContext = { channels, users, presence, publisher, webhooks, settings, logger: createLogger({ level: 'silent', service: 'test' }), limited: () => undefined, recoveryMetrics: metrics };
  return {
    ctx,
    app,
    bus,
    store,
    presence,
    cache,
    publisher,
    channels,
    users,
    webhooks,
    batcher,
    failures,
    async connect(forApp = app) {
      const ws = new FakeSocket();
      const id = newSocketId();
      await presence.connect(forApp.id, id, asNodeId('node-1'));
      const conn = new Connection(id, forApp, ws as unknown as WebSocket, metrics.app(forApp.id), batcher, (_c, err) => failures.push(err));
      return { conn, ws };
    },
    sent(ws) {
      batcher.flush();
      return decodeFrames(Buffer.concat(ws.chunks)).map(parseSent);
    },
  };
}

/** frame builds a client frame. */
export function frame(event: string, data?: unknown, channel?: string): ClientFrame {
  return channel === undefined ? { event, data } : { event, data, channel };
}

/** decodeFrames splits server-to-client WebSocket bytes (unmasked text frames) into their texts. */
export function decodeFrames(bytes: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    let length = bytes[at + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      length = bytes.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      length = bytes.readUInt32BE(at + 2) * 2 ** 32 + bytes.readUInt32BE(at + 6);
      header = 10;
    }
    out.push(bytes.toString('utf8', at + header, at + header + length));
    at += header + length;
  }
  return out;
}

function parseSent(text: string): SentFrame {
  const f = JSON.parse(text) as SentFrame;
  if (typeof f.data === 'string') {
    try {
      f.data = JSON.parse(f.data);
    } catch {
      // an app event's data may be any string
    }
  }
  return f;
}
