import { describe, expect, it } from 'vitest';
import { asChannelName, type LoggedMessage } from '@sockudo-ts/shared';
import { handleSubscribe } from '../../src/handlers/subscribe.js';
import { rewindOf } from '../../src/handlers/recovery.js';
import { fakes, frame } from '../fakes.js';

const ch = asChannelName('news');
const text = (n: number): string => `{"event":"e","channel":"news","data":"${n}"}`;
const logged = (n: number): LoggedMessage => ({ serial: n, messageId: `m${n}`, frame: text(n), at: 0 });

describe('replays to one socket (LocalChannels.hold / release)', () => {
  it('holds live frames during a replay and delivers them after it, less those the replay held', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    conn.enableV2();
    await handleSubscribe(f.ctx, conn, frame('pusher:subscribe', { channel: 'news' }));
    expect(f.channels.hold(f.app.id, ch, conn)).toBe(true);
    await f.bus.publish(f.app.id, ch, { frame: text(3), serial: 3, streamId: 's', id: 'm3' });
    await f.bus.publish(f.app.id, ch, { frame: text(4), serial: 4, streamId: 's', id: 'm4' });
    expect(f.sent(ws).map((s) => s.event)).toEqual(['pusher_internal:subscription_succeeded']);
    const written = f.channels.release(f.app.id, ch, conn, { streamId: 's', messages: [logged(2), logged(3)] });
    expect(written).toEqual({ history: 2, live: 1 });
    const frames = f.sent(ws).slice(1) as unknown as Array<{ data: number; serial: number; stream_id: string; message_id: string }>;
    expect(frames.map((s) => [s.data, s.serial, s.stream_id, s.message_id])).toEqual([
      [2, 2, 's', 'm2'],
      [3, 3, 's', 'm3'],
      [4, 4, 's', 'm4'],
    ]);
    await f.bus.publish(f.app.id, ch, { frame: text(5), serial: 5, streamId: 's', id: 'm5' });
    expect(f.sent(ws).length).toBe(5);
  });

  it('does not send a replayed socket again what a late gap fill delivers', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    conn.enableV2();
    await handleSubscribe(f.ctx, conn, frame('pusher:subscribe', { channel: 'news' }));
    f.channels.hold(f.app.id, ch, conn);
    f.channels.release(f.app.id, ch, conn, { streamId: 's', messages: [logged(1), logged(2), logged(3)] });
    for (const n of [2, 3, 4]) await f.bus.publish(f.app.id, ch, { frame: text(n), serial: n, streamId: 's', id: `m${n}` });
    expect(f.sent(ws).slice(1).map((s) => s.data)).toEqual([1, 2, 3, 4]);
    expect(f.channels.sizes().sockets).toBe(1);
  });

  it('gives a V1 socket on the same channel the plain frame', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    await handleSubscribe(f.ctx, conn, frame('pusher:subscribe', { channel: 'news' }));
    await f.bus.publish(f.app.id, ch, { frame: text(1), serial: 1, streamId: 's', id: 'm1' });
    expect(Object.keys(f.sent(ws)[1]!).sort()).toEqual(['channel', 'data', 'event']);
  });
});

describe('rewindOf', () => {
  it('reads a count, a count object or a seconds window, and caps counts', () => {
    expect(rewindOf(5, 100)).toEqual({ count: 5 });
    expect(rewindOf({ count: 500 }, 100)).toEqual({ count: 100 });
    expect(rewindOf({ seconds: 30 }, 100)).toEqual({ seconds: 30 });
    for (const bad of [0, -1, 1.5, '3', null, {}, { seconds: 0 }]) expect(rewindOf(bad, 100)).toBeUndefined();
  });
});
