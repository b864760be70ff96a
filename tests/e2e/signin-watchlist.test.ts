import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiClient,
  collect,
  connected,
  errorOf,
  newApp,
  nextEvent,
  parseData,
  pusherClient,
  rawClient,
  rawSignin,
  reachesState,
  startServer,
  waitFor,
  type PusherClient,
  type RawClient,
  type TestServer,
} from '../kit/index.js';

interface WatchlistEvent {
  name: 'online' | 'offline';
  user_ids: string[];
}

describe('user authentication: signin, server-to-user channels, terminate', () => {
  let server: TestServer;
  const noAuthApp = newApp();
  const clients: PusherClient[] = [];
  const raws: RawClient[] = [];
  const raw = async (path?: string): Promise<{ c: RawClient; id: string }> => {
    const c = await rawClient(server, path);
    raws.push(c);
    return { c, id: await c.socketId() };
  };
  const signedIn = async (user: { id: string; [k: string]: unknown }): Promise<RawClient> => {
    const s = await raw();
    rawSignin(server, s.c, s.id, user);
    await s.c.event('pusher:signin_success');
    return s.c;
  };
  const js = (userData: { id: string; user_info?: unknown; watchlist?: string[] }, wrongSecret = false): PusherClient => {
    const c = pusherClient(server, { userData, wrongSecret });
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    server = await startServer({ app: { enable_user_authentication: true }, extraApps: [noAuthApp] });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await server.stop();
  });

  it('answers a good signin with signin_success carrying the exact signed user_data string', async () => {
    const s = await raw();
    const userData = '{ "id" : "exact",  "user_info": {"name":"Ünï"} }';
    const auth = `${server.app.key}:${createHmac('sha256', server.app.secret).update(`${s.id}::user::${userData}`).digest('hex')}`;
    s.c.send({ event: 'pusher:signin', data: { auth, user_data: userData } });
    const ok = await s.c.event('pusher:signin_success');
    expect(parseData(ok)).toEqual({ user_data: userData });
  });

  it('accepts signin data sent as a JSON string', async () => {
    const s = await raw();
    const signed = apiClient(server).authenticateUser(s.id, { id: 'stringly' });
    s.c.send({ event: 'pusher:signin', data: JSON.stringify({ auth: signed.auth, user_data: signed.user_data }) });
    const ok = await s.c.event('pusher:signin_success');
    expect(parseData(ok)).toEqual({ user_data: signed.user_data });
  });

  it('signs in a pusher-js client (pusher.signin with the SDK authenticateUser)', async () => {
    const c = js({ id: 'js-user', user_info: { name: 'JS' } });
    await connected(c);
    c.signin();
    await waitFor(() => (c.user as unknown as { user_data?: { id: string } }).user_data?.id === 'js-user', 5000, 'user_data');
    expect((c.user as unknown as { user_data: unknown }).user_data).toEqual({ id: 'js-user', user_info: { name: 'JS' } });
  });

  it('closes a socket with a bad signin signature: pusher:error 4009 then close 4009', async () => {
    const s = await raw();
    s.c.send({ event: 'pusher:signin', data: { auth: `${server.app.key}:${'f'.repeat(64)}`, user_data: '{"id":"x"}' } });
    const closed = await s.c.closed;
    expect(closed.code).toBe(4009);
    expect(s.c.frames.map((f) => f.event)).toEqual(['pusher:connection_established', 'pusher:error']);
    expect(errorOf(s.c.frames[1]!).code).toBe(4009);
  });

  it('refuses a bad pusher-js signin: the client is disconnected and does not reconnect', async () => {
    const c = js({ id: 'bad' }, true);
    await connected(c);
    const error = new Promise<{ data: { code: number } }>((resolve) =>
      c.connection.bind('error', (e: { type: string; data: { code: number } }) => e.type === 'PusherError' && resolve(e)),
    );
    c.signin();
    expect((await error).data.code).toBe(4009);
    await reachesState(c, 'disconnected');
  });

  it('refuses user_data without a non-empty string id, and signin on an app without user authentication', async () => {
    for (const user of [{ name: 'no id' }, { id: '' }, { id: 12 }, 'not json', [1]]) {
      const s = await raw();
      // why: the SDK refuses to sign such user data, so sign it the documented way (PROTOCOL.md §6).
      const userData = typeof user === 'string' ? user : JSON.stringify(user);
      const signature = createHmac('sha256', server.app.secret).update(`${s.id}::user::${userData}`).digest('hex');
      s.c.send({ event: 'pusher:signin', data: { auth: `${server.app.key}:${signature}`, user_data: userData } });
      expect((await s.c.closed).code).toBe(4009);
      expect(s.c.frames.some((f) => f.event === 'pusher:signin_success')).toBe(false);
    }
    const other = await raw(`/app/${noAuthApp.key}?protocol=7`);
    rawSignin(server, other.c, other.id, { id: 'x' }, noAuthApp);
    expect((await other.c.closed).code).toBe(4009);
    expect(other.c.frames.some((f) => f.event === 'pusher:signin_success')).toBe(false);
  });

  it('keeps one user per socket: a second signin as another user is refused', async () => {
    const c = await signedIn({ id: 'first' });
    const id = parseData<{ socket_id: string }>(c.frames[0]!).socket_id;
    rawSignin(server, c, id, { id: 'second' });
    const error = await c.event('pusher:error');
    expect(errorOf(error).code).toBe(4009);
    // Still signed in as the first user: it may subscribe to its own server-to-user channel only.
    c.send({ event: 'pusher:subscribe', data: { channel: '#server-to-user-second' } });
    await c.event('pusher:subscription_error', '#server-to-user-second');
    c.send({ event: 'pusher:subscribe', data: { channel: '#server-to-user-first' } });
    await c.event('pusher_internal:subscription_succeeded', '#server-to-user-first');
  });

  it('lets only the socket signed in as <id> subscribe to #server-to-user-<id>', async () => {
    const anon = await raw();
    anon.c.send({ event: 'pusher:subscribe', data: { channel: '#server-to-user-zed' } });
    const e1 = await anon.c.event('pusher:subscription_error', '#server-to-user-zed');
    expect(parseData(e1)).toMatchObject({ type: 'AuthError', status: 401 });
    const other = await signedIn({ id: 'yan' });
    other.send({ event: 'pusher:subscribe', data: { channel: '#server-to-user-zed' } });
    await other.event('pusher:subscription_error', '#server-to-user-zed');
  });

  it('delivers pusher.sendToUser to every socket of that user and to nobody else', async () => {
    const tab1 = js({ id: 'multi' });
    const tab2 = js({ id: 'multi' });
    const stranger = js({ id: 'stranger' });
    await Promise.all([connected(tab1), connected(tab2), connected(stranger)]);
    for (const c of [tab1, tab2, stranger]) c.signin();
    // pusher-js subscribes to #server-to-user-<id> after signin; wait until every one is subscribed.
    const serverToUser = (c: PusherClient) => (c.user as unknown as { serverToUserChannel?: { subscribed: boolean } }).serverToUserChannel;
    await waitFor(() => [tab1, tab2, stranger].every((c) => serverToUser(c)?.subscribed === true), 5000, 'server-to-user subscriptions');
    const strangerGot = collect(stranger.user as never, 'notice');
    const got1 = nextEvent(tab1.user as never, 'notice');
    const got2 = nextEvent(tab2.user as never, 'notice');
    await apiClient(server).sendToUser('multi', 'notice', { text: 'for multi only' });
    expect(await got1).toEqual({ text: 'for multi only' });
    expect(await got2).toEqual({ text: 'for multi only' });
    // A later message to the stranger arrives; the earlier one for multi never did.
    const own = nextEvent(stranger.user as never, 'notice');
    await apiClient(server).sendToUser('stranger', 'notice', { text: 'for stranger' });
    expect(await own).toEqual({ text: 'for stranger' });
    expect(strangerGot.map((g) => g.data)).toEqual([{ text: 'for stranger' }]);
  });

  it('reaches users whose ids use characters outside channel names (auth0|abc, emails), as the SDK allows', async () => {
    for (const id of ['auth0|5f2a', 'ana.maria+x@example.com']) {
      const c = js({ id });
      await connected(c);
      c.signin();
      await waitFor(() => (c.user as unknown as { serverToUserChannel?: { subscribed: boolean } }).serverToUserChannel?.subscribed === true, 5000, `#server-to-user-${id}`);
      const got = nextEvent(c.user as never, 'notice');
      await apiClient(server).sendToUser(id, 'notice', { to: id });
      expect(await got).toEqual({ to: id });
    }
  });

  it('closes every socket of a user with 4009 on terminateUserConnections, and only those', async () => {
    const a1 = await signedIn({ id: 'doomed' });
    const a2 = await signedIn({ id: 'doomed' });
    const b = await signedIn({ id: 'spared' });
    const anon = await raw();
    await apiClient(server).terminateUserConnections('doomed');
    for (const c of [a1, a2]) {
      const closed = await c.closed;
      expect(closed.code).toBe(4009);
      const error = c.frames.find((f) => f.event === 'pusher:error');
      expect(error && errorOf(error).code).toBe(4009);
    }
    for (const c of [b, anon.c]) {
      c.send({ event: 'pusher:ping', data: {} });
      await c.event('pusher:pong');
      expect(c.ws.readyState).toBe(c.ws.OPEN);
    }
  });

  it('terminates a pusher-js user: the client ends disconnected, not reconnecting', async () => {
    const c = js({ id: 'js-doomed' });
    await connected(c);
    c.signin();
    await waitFor(() => (c.user as unknown as { user_data?: { id: string } | null }).user_data?.id === 'js-doomed', 5000, 'signin');
    await apiClient(server).terminateUserConnections('js-doomed');
    await reachesState(c, 'disconnected');
  });
});

describe('watchlist events', () => {
  let server: TestServer;
  const raws: RawClient[] = [];
  const clients: PusherClient[] = [];
  const signedIn = async (user: { id: string; watchlist?: string[] }): Promise<RawClient> => {
    const c = await rawClient(server);
    raws.push(c);
    const id = await c.socketId();
    rawSignin(server, c, id, user);
    await c.event('pusher:signin_success');
    return c;
  };
  const watchEvents = (c: RawClient): WatchlistEvent[][] =>
    c.frames.filter((f) => f.event === 'pusher_internal:watchlist_events').map((f) => parseData<{ events: WatchlistEvent[] }>(f).events);
  beforeAll(async () => {
    server = await startServer({ app: { enable_user_authentication: true, enable_watchlist_events: true } });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await server.stop();
  });

  it('sends the initial online/offline state after signin, then changes as users come and go', async () => {
    const x1 = await signedIn({ id: 'wx' });
    const watcher = await signedIn({ id: 'watcher', watchlist: ['wx', 'wy'] });
    const initial = await watcher.event('pusher_internal:watchlist_events');
    expect(parseData(initial)).toEqual({
      events: [
        { name: 'online', user_ids: ['wx'] },
        { name: 'offline', user_ids: ['wy'] },
      ],
    });
    // The initial state comes after signin_success.
    const names = watcher.frames.map((f) => f.event);
    expect(names.indexOf('pusher:signin_success')).toBeLessThan(names.indexOf('pusher_internal:watchlist_events'));

    const y = await signedIn({ id: 'wy' });
    await watcher.waitFrame(() => watchEvents(watcher).length === 2);
    expect(watchEvents(watcher)[1]).toEqual([{ name: 'online', user_ids: ['wy'] }]);

    // A second socket of wx: no event; wx stays online until its last socket goes.
    const x2 = await signedIn({ id: 'wx' });
    x1.close();
    y.close();
    await watcher.waitFrame(() => watchEvents(watcher).length === 3);
    expect(watchEvents(watcher)[2]).toEqual([{ name: 'offline', user_ids: ['wy'] }]);
    x2.close();
    await watcher.waitFrame(() => watchEvents(watcher).length === 4);
    expect(watchEvents(watcher)[3]).toEqual([{ name: 'offline', user_ids: ['wx'] }]);
  });

  it('does not notify sockets that do not watch the user', async () => {
    const bystander = await signedIn({ id: 'bystander', watchlist: ['someone-else'] });
    const marker = await signedIn({ id: 'watcher-2', watchlist: ['late'] });
    await signedIn({ id: 'unwatched' });
    await signedIn({ id: 'late' });
    await marker.waitFrame(() => watchEvents(marker).length === 2);
    expect(watchEvents(bystander)).toEqual([[{ name: 'offline', user_ids: ['someone-else'] }]]);
  });

  it('keeps the first 100 watchlist ids and sends pusher:error 4302 beyond that', async () => {
    const ids = Array.from({ length: 105 }, (_, i) => `many-${i}`);
    const watcher = await signedIn({ id: 'big-watcher', watchlist: ids });
    const error = await watcher.event('pusher:error');
    expect(errorOf(error).code).toBe(4302);
    const initial = await watcher.event('pusher_internal:watchlist_events');
    expect(parseData(initial)).toEqual({ events: [{ name: 'offline', user_ids: ids.slice(0, 100) }] });
    expect(watcher.ws.readyState).toBe(watcher.ws.OPEN);
    await signedIn({ id: 'many-102' });
    await signedIn({ id: 'many-99' });
    await watcher.waitFrame(() => watchEvents(watcher).length === 2);
    expect(watchEvents(watcher)[1]).toEqual([{ name: 'online', user_ids: ['many-99'] }]);
  });

  it('emits online/offline on pusher.user.watchlist in pusher-js', async () => {
    const c = pusherClient(server, { userData: { id: 'js-watcher', watchlist: ['js-friend'] } });
    clients.push(c);
    await connected(c);
    const watchlist = (c.user as unknown as { watchlist: { bind(e: string, cb: (d: WatchlistEvent) => void): void; unbind(e: string, cb: unknown): void } }).watchlist;
    const offline = nextEvent<WatchlistEvent>(watchlist, 'offline');
    c.signin();
    expect(await offline).toEqual({ name: 'offline', user_ids: ['js-friend'] });
    const online = nextEvent<WatchlistEvent>(watchlist, 'online');
    await signedIn({ id: 'js-friend' });
    expect(await online).toEqual({ name: 'online', user_ids: ['js-friend'] });
  });
});
