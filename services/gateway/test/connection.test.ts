import { describe, expect, it } from 'vitest';
import { asChannelName, asUserId } from '@sockudo-ts/shared';
import { MAX_QUEUED_FRAMES } from '../src/connection.js';
import { fakes } from './fakes.js';

describe('Connection', () => {
  it('pings a silent socket once, then finds the pong overdue; any activity answers the ping', async () => {
    const f = fakes();
    const { conn } = await f.connect();
    const t0 = conn.connectedAt;
    expect(conn.pingDue(t0 + 1000, 1000)).toBe(false);
    expect(conn.pingDue(t0 + 1001, 1000)).toBe(true);
    expect(conn.pingDue(t0 + 5000, 1000)).toBe(false);
    expect(conn.pongOverdue(t0 + 1001 + 500, 500)).toBe(false);
    expect(conn.pongOverdue(t0 + 1001 + 501, 500)).toBe(true);
    conn.touch(t0 + 1200);
    expect(conn.pongOverdue(t0 + 9000, 500)).toBe(false);
    expect(conn.pingDue(t0 + 2200, 1000)).toBe(false);
    expect(conn.pingDue(t0 + 2201, 1000)).toBe(true);
  });

  it('finds authorization overdue only where the app asks for authorized connections', async () => {
    const open = fakes();
    const strict = fakes({ enable_authorized_connections: true });
    const a = (await open.connect()).conn;
    const b = (await strict.connect()).conn;
    const c = (await strict.connect()).conn;
    const later = b.connectedAt + 10_001;
    expect(a.authorizationOverdue(later, 10_000)).toBe(false);
    expect(b.authorizationOverdue(b.connectedAt + 10_000, 10_000)).toBe(false);
    expect(b.authorizationOverdue(later, 10_000)).toBe(true);
    c.authorize();
    expect(c.isAuthorized).toBe(true);
    expect(c.authorizationOverdue(later, 10_000)).toBe(false);
  });

  it('counts client events per wall-clock second; zero means no limit', async () => {
    const { conn } = await fakes().connect();
    const second = 1_700_000_000_000;
    expect([1, 2, 3].map(() => conn.takeClientEventSlot(2, second + 10))).toEqual([true, true, false]);
    expect(conn.takeClientEventSlot(2, second + 999)).toBe(false);
    expect(conn.takeClientEventSlot(2, second + 1000)).toBe(true);
    expect(Array.from({ length: 50 }, () => conn.takeClientEventSlot(0, second)).every(Boolean)).toBe(true);
  });

  it('tracks subscriptions from pending to active and lists only active ones in its snapshot', async () => {
    const { conn } = await fakes().connect();
    const a = asChannelName('a');
    const p = asChannelName('presence-p');
    conn.beginSubscription(a);
    conn.beginSubscription(p, { id: asUserId('ann') });
    expect(conn.snapshot().channels).toEqual([]);
    conn.confirmSubscription(p);
    expect(conn.subscription(p)).toEqual({ active: true, member: { id: 'ann' } });
    expect(conn.snapshot()).toEqual({ appId: conn.app.id, socketId: conn.id, channels: [{ channel: p, member: { id: 'ann' } }] });
    conn.signIn(asUserId('ann'), '{"id":"ann"}');
    expect(conn.snapshot().userId).toBe('ann');
    expect(conn.endSubscription(a)).toBe(true);
    expect(conn.endSubscription(a)).toBe(false);
    expect(conn.takeSubscriptions()).toEqual([p]);
    expect(conn.subscription(p)).toBeUndefined();
  });

  it('holds watchlist notices while the initial state is read and releases them in order', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    conn.sendWatchlistNotice('{"event":"n0"}');
    conn.startWatching([asUserId('bob')]);
    conn.sendWatchlistNotice('{"event":"n1"}');
    conn.sendWatchlistNotice('{"event":"n2"}');
    conn.send('{"event":"state"}');
    conn.releaseWatchlistNotices();
    conn.sendWatchlistNotice('{"event":"n3"}');
    expect(f.sent(ws).map((s) => s.event)).toEqual(['n0', 'state', 'n1', 'n2', 'n3']);
    expect(conn.watchlist).toEqual(['bob']);
  });

  it('coalesces the frames of one tick into one write and writes nothing once closed', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    conn.send('{"event":"a"}');
    conn.send('{"event":"b"}');
    f.batcher.flush();
    expect(ws.chunks).toHaveLength(1);
    conn.close(4009, 'bye');
    conn.send('{"event":"late"}');
    expect(f.sent(ws).map((s) => s.event)).toEqual(['a', 'b', 'pusher:error']);
    expect(ws.closedWith).toEqual({ code: 4009, reason: 'bye' });
    expect(conn.isClosed).toBe(true);
  });

  it(`stops reading the socket past ${MAX_QUEUED_FRAMES} queued frames and reads again once they are handled`, async () => {
    const { conn, ws } = await fakes().connect();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handled: number[] = [];
    conn.enqueue(() => gate);
    for (let i = 0; i < MAX_QUEUED_FRAMES - 1; i++) conn.enqueue(() => void handled.push(i));
    expect(ws.paused).toBe(false);
    conn.enqueue(() => void handled.push(MAX_QUEUED_FRAMES - 1));
    expect(ws.paused).toBe(true);
    release();
    await conn.idle();
    expect(handled).toHaveLength(MAX_QUEUED_FRAMES);
    expect(ws.paused).toBe(false);
  });

  it('never reads a socket again once it stopped reading it for flooding, even when its queue drains', async () => {
    const { conn, ws } = await fakes().connect();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    conn.enqueue(() => gate);
    for (let i = 0; i < MAX_QUEUED_FRAMES; i++) conn.enqueue(() => undefined);
    expect(ws.paused).toBe(true);
    conn.stopReading();
    release();
    await conn.idle();
    expect(ws.paused).toBe(true);
  });
});
