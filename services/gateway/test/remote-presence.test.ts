import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ChannelPublisher,
  asNodeId,
  MemoryAppStore,
  MemoryBus,
  MemoryCacheStore,
  MemoryPresenceStore,
  Metrics,
  NullWebhookSink,
  LocalPresence,
  buildConfig,
  cacheKey,
  createLogger,
  encodeEvent,
  signChannel,
  signUser,
  asAppId,
  asChannelName,
  type AppId,
  type ChannelName,
  type Member,
  type NodeId,
  type Presence,
  type SocketId,
  type UserId,
} from '@sockudo-ts/shared';
import { Gateway } from '../src/gateway.js';

const DELAY_MS = 60;
const APP = asAppId('a');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * SlowPresence behaves like a presence service across a network: a call reaches the service DELAY_MS / 2
 * after it is made, acts there, and its answer arrives DELAY_MS / 2 later.
 */
class SlowPresence implements Presence {
  constructor(private readonly inner: Presence) {}
  private async slow<T>(call: () => Promise<T>): Promise<T> {
    await sleep(DELAY_MS / 2);
    const result = await call();
    await sleep(DELAY_MS / 2);
    return result;
  }
  connect(appId: AppId, socketId: SocketId, node: NodeId) {
    return this.slow(() => this.inner.connect(appId, socketId, node));
  }
  disconnect(appId: AppId, socketId: SocketId) {
    return this.slow(() => this.inner.disconnect(appId, socketId));
  }
  subscribe(appId: AppId, channel: ChannelName, socketId: SocketId, member?: Member) {
    return this.slow(() => this.inner.subscribe(appId, channel, socketId, member));
  }
  unsubscribe(appId: AppId, channel: ChannelName, socketId: SocketId) {
    return this.slow(() => this.inner.unsubscribe(appId, channel, socketId));
  }
  signin(appId: AppId, socketId: SocketId, userId: UserId) {
    return this.slow(() => this.inner.signin(appId, socketId, userId));
  }
  members(appId: AppId, channel: ChannelName) {
    return this.slow(() => this.inner.members(appId, channel));
  }
  counts(appId: AppId, channel: ChannelName) {
    return this.slow(() => this.inner.counts(appId, channel));
  }
  channels(appId: AppId) {
    return this.slow(() => this.inner.channels(appId));
  }
  channelsPage(appId: AppId, after: string, limit: number) {
    return this.slow(() => this.inner.channelsPage(appId, after, limit));
  }
  onlineUsers(appId: AppId, userIds: readonly UserId[]) {
    return this.slow(() => this.inner.onlineUsers(appId, userIds));
  }
}

interface Frame {
  event: string;
  channel?: string;
  data?: string;
}

/** open connects a socket and records its frames. */
async function open(port: number): Promise<{ ws: WebSocket; frames: Frame[]; next: (pred: (f: Frame) => boolean) => Promise<Frame> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/app/key?protocol=7`);
  const frames: Frame[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d) => {
    frames.push(JSON.parse(String(d)) as Frame);
    for (const w of waiters.splice(0)) w();
  });
  ws.on('error', () => undefined);
  await new Promise((r) => ws.once('open', r));
  const next = (pred: (f: Frame) => boolean): Promise<Frame> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame; saw ${frames.map((f) => f.event).join(',')}`)), 3000);
      const check = (): void => {
        const found = frames.find(pred);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        } else waiters.push(check);
      };
      check();
    });
  return { ws, frames, next };
}

describe('gateway with a presence service that answers after a delay (as over gRPC)', () => {
  let http: Server;
  let gateway: Gateway;
  let bus: MemoryBus;
  let cache: MemoryCacheStore;
  let port: number;
  const sockets: WebSocket[] = [];
  beforeAll(async () => {
    const config = buildConfig([{ name: 'test', values: { websocket: { max_connections: 3 }, app_manager: { array: { apps: [{ id: 'a', key: 'key', secret: 's', enable_user_authentication: true, enable_watchlist_events: true }] } } } }], {});
    const apps = new MemoryAppStore(config.app_manager.array.apps);
    bus = new MemoryBus();
    cache = new MemoryCacheStore();
    const presence = new SlowPresence(new LocalPresence(new MemoryPresenceStore(), bus, apps, NullWebhookSink));
    const logger = createLogger({ level: 'silent', service: 'test' });
    const publisher = new ChannelPublisher(bus, cache, config.channel_limits.cache_ttl);
    gateway = new Gateway({ config, apps, bus, presence, webhooks: NullWebhookSink, metrics: new Metrics('t_'), logger, nodeId: asNodeId('n1'), publisher });
    http = createServer();
    http.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    port = (http.address() as AddressInfo).port;
    await gateway.start();
  });
  afterEach(async () => {
    // why: the node cap is 3; each test starts once the previous one's sockets are gone.
    for (const ws of sockets.splice(0)) ws.terminate();
    await sleep(2 * DELAY_MS);
  });
  afterAll(async () => {
    await gateway.stop(100);
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  });

  it('holds websocket.max_connections when a burst of handshakes waits on presence together', async () => {
    const burst = await Promise.all(Array.from({ length: 8 }, () => open(port)));
    sockets.push(...burst.map((b) => b.ws));
    const firsts = await Promise.all(burst.map((b) => b.next(() => true)));
    expect(firsts.filter((f) => f.event === 'pusher:connection_established')).toHaveLength(3);
    expect(firsts.filter((f) => f.event === 'pusher:error')).toHaveLength(5);
  });

  it('replays a cache channel event once, even when it is published while the subscription waits on presence', async () => {
    const s = await open(port);
    sockets.push(s.ws);
    await s.next((f) => f.event === 'pusher:connection_established');
    s.ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'cache-race' } }));
    // Published while presence.subscribe is pending: the API publishes, then updates the cache.
    await sleep(DELAY_MS / 2);
    const frame = encodeEvent('update', 'cache-race', '{"v":1}');
    await bus.publish(APP, asChannelName('cache-race'), { frame });
    await cache.set(cacheKey(APP, asChannelName('cache-race')), frame, 60);
    await s.next((f) => f.event === 'pusher_internal:subscription_succeeded');
    const marker = encodeEvent('marker', 'cache-race', '{}');
    await bus.publish(APP, asChannelName('cache-race'), { frame: marker });
    await s.next((f) => f.event === 'marker');
    expect(s.frames.filter((f) => f.channel === 'cache-race').map((f) => f.event)).toEqual([
      'pusher_internal:subscription_succeeded',
      'update',
      'marker',
    ]);
  });

  it('never announces a presence member to a joiner that already has it in its member list', async () => {
    const users = ['ann', 'ben', 'cy'];
    const joiners = await Promise.all(users.map(() => open(port)));
    sockets.push(...joiners.map((j) => j.ws));
    const ids = await Promise.all(joiners.map(async (j) => {
      const f = await j.next((x) => x.event === 'pusher:connection_established');
      return (JSON.parse(f.data!) as { socket_id: string }).socket_id;
    }));
    // All subscribe at once, so each one's subscription is pending while the others join.
    joiners.forEach((j, i) => {
      const channelData = JSON.stringify({ user_id: users[i] });
      const auth = signChannel('key', 's', ids[i]!, 'presence-race', channelData);
      j.ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'presence-race', auth, channel_data: channelData } }));
    });
    await Promise.all(joiners.map((j) => j.next((f) => f.event === 'pusher_internal:subscription_succeeded')));
    await bus.publish(APP, asChannelName('presence-race'), { frame: encodeEvent('marker', 'presence-race', '{}') });
    await Promise.all(joiners.map((j) => j.next((f) => f.event === 'marker')));
    for (const j of joiners) {
      const frames = j.frames.filter((f) => f.channel === 'presence-race');
      const known = new Set((JSON.parse(frames[0]!.data!) as { presence: { ids: string[] } }).presence.ids);
      for (const f of frames.slice(1).filter((x) => x.event === 'pusher_internal:member_added')) {
        const id = (JSON.parse(f.data!) as { user_id: string }).user_id;
        expect(known.has(id)).toBe(false);
        known.add(id);
      }
      expect([...known].sort()).toEqual(users);
    }
  });

  it('ends a watcher on the right online state when a watched user leaves while the initial state is read', async () => {
    const [x, w] = await Promise.all([open(port), open(port)]);
    sockets.push(x.ws, w.ws);
    const socketIdOf = async (c: typeof x): Promise<string> =>
      (JSON.parse((await c.next((f) => f.event === 'pusher:connection_established')).data!) as { socket_id: string }).socket_id;
    const signin = async (c: typeof x, userData: string): Promise<void> => {
      c.ws.send(JSON.stringify({ event: 'pusher:signin', data: { auth: signUser('key', 's', await socketIdOf(c), userData), user_data: userData } }));
      await c.next((f) => f.event === 'pusher:signin_success');
    };
    await signin(x, '{"id":"wx"}');
    await signin(w, '{"id":"ww","watchlist":["wx"]}');
    // The watcher's initial state is being read now; wx leaves meanwhile.
    await sleep(DELAY_MS / 4);
    x.ws.terminate();
    const events = (): Array<{ name: string; user_ids: string[] }> =>
      w.frames
        .filter((f) => f.event === 'pusher_internal:watchlist_events')
        .flatMap((f) => (JSON.parse(f.data!) as { events: Array<{ name: string; user_ids: string[] }> }).events);
    // Two frames: the initial state and the offline notice, in whichever order the gateway sends them.
    await w.next(() => w.frames.filter((f) => f.event === 'pusher_internal:watchlist_events').length >= 2);
    let online = false;
    for (const e of events()) if (e.user_ids.includes('wx')) online = e.name === 'online';
    expect(online).toBe(false);
  });
});
