import { describe, expect, it } from 'vitest';
import { asChannelName, signChannel } from '@sockudo-ts/shared';
import { handleSubscribe } from '../../src/handlers/subscribe.js';
import { handleUnsubscribe } from '../../src/handlers/unsubscribe.js';
import { fakes, frame } from '../fakes.js';

describe('handleUnsubscribe', () => {
  it('leaves the channel locally and cluster-wide without a reply; the last one out vacates it', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    await handleSubscribe(f.ctx, conn, frame('pusher:subscribe', { channel: 'news' }));
    await handleUnsubscribe(f.ctx, conn, frame('pusher:unsubscribe', { channel: 'news' }));
    expect(f.sent(ws).map((s) => s.event)).toEqual(['pusher_internal:subscription_succeeded']);
    expect(conn.subscription(asChannelName('news'))).toBeUndefined();
    expect(f.channels.sizes()).toEqual({ apps: 0, channels: 0, sockets: 0, pending: 0 });
    expect((await f.presence.counts(f.app.id, asChannelName('news'))).subscriptionCount).toBe(0);
    expect(f.webhooks.names()).toEqual(['channel_occupied', 'channel_vacated']);
  });

  it('tells the other members of a presence channel that the member left', async () => {
    const f = fakes();
    const ann = await f.connect();
    const bob = await f.connect();
    for (const [s, user] of [[ann, 'ann'], [bob, 'bob']] as const) {
      const channelData = JSON.stringify({ user_id: user });
      const auth = signChannel(f.app.key, f.app.secret, s.conn.id, 'presence-room', channelData);
      await handleSubscribe(f.ctx, s.conn, frame('pusher:subscribe', { channel: 'presence-room', auth, channel_data: channelData }));
    }
    await handleUnsubscribe(f.ctx, bob.conn, frame('pusher:unsubscribe', { channel: 'presence-room' }));
    expect(f.sent(ann.ws).map((s) => [s.event, s.data?.user_id])).toEqual([
      ['pusher_internal:subscription_succeeded', undefined],
      ['pusher_internal:member_added', 'bob'],
      ['pusher_internal:member_removed', 'bob'],
    ]);
    expect(f.sent(bob.ws).map((s) => s.event)).toEqual(['pusher_internal:subscription_succeeded']);
  });

  it('ignores a channel the socket is not on and a frame without a channel', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    await handleUnsubscribe(f.ctx, conn, frame('pusher:unsubscribe', { channel: 'never' }));
    await handleUnsubscribe(f.ctx, conn, frame('pusher:unsubscribe', {}));
    expect(f.sent(ws)).toEqual([]);
    expect(f.webhooks.events).toEqual([]);
  });
});
