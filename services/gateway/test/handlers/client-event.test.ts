import { describe, expect, it, vi } from 'vitest';
import { signChannel } from '@sockudo-ts/shared';
import { handleClientEvent } from '../../src/handlers/client-event.js';
import { handleSubscribe } from '../../src/handlers/subscribe.js';
import { fakes, frame, type Fakes } from '../fakes.js';
import type { Connection } from '../../src/connection.js';

/** join subscribes a socket to a private or presence channel with a valid signature. */
async function join(f: Fakes, conn: Connection, channel: string, userId?: string): Promise<void> {
  const channelData = userId === undefined ? undefined : JSON.stringify({ user_id: userId });
  const auth = signChannel(f.app.key, f.app.secret, conn.id, channel, channelData);
  await handleSubscribe(f.ctx, conn, frame('pusher:subscribe', channelData === undefined ? { channel, auth } : { channel, auth, channel_data: channelData }));
}

describe('handleClientEvent', () => {
  it('relays to the other subscribers, not the sender, with user_id on presence channels, and fires client_event', async () => {
    const f = fakes({ enable_client_messages: true });
    const ann = await f.connect();
    const bob = await f.connect();
    await join(f, ann.conn, 'presence-room', 'ann');
    await join(f, bob.conn, 'presence-room', 'bob');
    f.sent(ann.ws);
    const bobBefore = f.sent(bob.ws).length;
    await handleClientEvent(f.ctx, ann.conn, frame('client-typing', { on: true }, 'presence-room'));
    expect(f.sent(bob.ws).slice(bobBefore)).toEqual([{ event: 'client-typing', channel: 'presence-room', data: { on: true }, user_id: 'ann' }]);
    expect(f.sent(ann.ws).map((s) => s.event)).toEqual(['pusher_internal:subscription_succeeded', 'pusher_internal:member_added']);
    expect(f.webhooks.events.at(-1)!.event).toEqual({
      name: 'client_event',
      channel: 'presence-room',
      event: 'client-typing',
      data: '{"on":true}',
      socket_id: ann.conn.id,
      user_id: 'ann',
    });
  });

  it('rejects with 4301 what the protocol does not allow', async () => {
    const off = fakes();
    const a = await off.connect();
    await join(off, a.conn, 'private-a');
    await handleClientEvent(off.ctx, a.conn, frame('client-x', {}, 'private-a'));
    expect(off.sent(a.ws).at(-1)).toMatchObject({ event: 'pusher:error', data: { code: 4301, message: 'Client events are not enabled for this app' } });

    const f = fakes({ enable_client_messages: true, max_event_name_length: 20, max_event_payload_in_kb: 1 });
    const { conn, ws } = await f.connect();
    await join(f, conn, 'private-a');
    const cases: Array<[ReturnType<typeof frame>, string]> = [
      [frame('client-x', {}), 'Client events need a channel'],
      [frame('client-x', {}, 'news'), 'Client events are only allowed on private and presence channels'],
      [frame('client-x', {}, 'private-encrypted-a'), 'Client events are only allowed on private and presence channels'],
      [frame('client-x', {}, 'private-b'), 'Subscribe to private-b before sending client events to it'],
      [frame('client-a-very-long-event-name', {}, 'private-a'), 'Event name is longer than 20 characters'],
      [frame('client-x', 'y'.repeat(1100), 'private-a'), 'Event data is larger than 1 KB'],
    ];
    for (const [sent, message] of cases) {
      await handleClientEvent(f.ctx, conn, sent);
      expect(f.sent(ws).at(-1), message).toMatchObject({ event: 'pusher:error', data: { code: 4301, message } });
    }
    expect(f.webhooks.names()).not.toContain('client_event');
  });

  it('limits a socket to max_client_events_per_second, per wall-clock second', async () => {
    const f = fakes({ enable_client_messages: true, max_client_events_per_second: 2 });
    const { conn, ws } = await f.connect();
    await join(f, conn, 'private-a');
    vi.useFakeTimers({ toFake: ['Date'], now: 1_700_000_000_100 });
    try {
      for (let i = 0; i < 3; i++) await handleClientEvent(f.ctx, conn, frame('client-x', {}, 'private-a'));
      expect(f.sent(ws).at(-1)).toMatchObject({ event: 'pusher:error', data: { code: 4301, message: 'Client event rate limit exceeded (2/s)' } });
      vi.setSystemTime(1_700_000_001_000);
      await handleClientEvent(f.ctx, conn, frame('client-x', {}, 'private-a'));
    } finally {
      vi.useRealTimers();
    }
    expect(f.sent(ws).filter((s) => s.event === 'pusher:error')).toHaveLength(1);
    expect(f.webhooks.names().filter((n) => n === 'client_event')).toHaveLength(3);
  });
});
