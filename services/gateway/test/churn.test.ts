import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connected, nextEvent, pusherClient, rawClient, subscribed, waitFor, type PusherClient } from '../../../tests/kit/clients.js';
import { startTestGateway, type TestGateway } from './harness.js';

// The leak rule (ARCHITECTURE.md, hot path rules): after N connect / subscribe / sign-in / disconnect
// cycles with real clients, every per-socket, per-channel and per-user collection of the gateway, the
// presence store, presence's count throttles and the bus is back where it started.

const CYCLES = 12;

/** everything counts every collection the leak rule covers, in one comparable object. */
function everything(t: TestGateway) {
  return {
    gateway: t.gateway.sizes(),
    presenceStore: t.store.sizes(),
    countThrottles: t.presence.throttleCount(),
    busChannels: t.bus.subscriptionCount(),
  };
}

const signedInAs = (c: PusherClient, id: string) => (c.user as unknown as { user_data?: { id: string } | null }).user_data?.id === id;
const serverToUserReady = (c: PusherClient) => (c.user as unknown as { serverToUserChannel?: { subscribed: boolean } }).serverToUserChannel?.subscribed === true;

describe('churn: every collection returns to where it started', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({
      app: {
        enable_client_messages: true,
        enable_user_authentication: true,
        enable_watchlist_events: true,
        enable_subscription_count_events: true,
      },
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** cycle runs one round: two signed-in pusher-js users on every channel kind, then a raw socket cut mid-burst. */
  async function cycle(i: number): Promise<void> {
    const target = { host: t.host, port: t.port, app: t.app };
    const ann = pusherClient(target, { userData: { id: 'ann', watchlist: ['bob'] }, channelData: () => ({ user_id: 'ann', user_info: { i } }) });
    const bob = pusherClient(target, { userData: { id: `bob`, watchlist: ['ann'] }, channelData: () => ({ user_id: 'bob' }) });
    try {
      await Promise.all([connected(ann), connected(bob)]);
      const bobSeesAnn = nextEvent(bob.user.watchlist as never, 'online');
      bob.signin();
      await waitFor(() => signedInAs(bob, 'bob') && serverToUserReady(bob), 5000, 'bob signed in');
      ann.signin();
      await waitFor(() => signedInAs(ann, 'ann') && serverToUserReady(ann), 5000, 'ann signed in');
      await bobSeesAnn;

      const names = [`news-${i}`, `private-${i}`, 'presence-room', `cache-${i}`, 'private-cache-shared'];
      const annChannels = await Promise.all(names.map((n) => subscribed(ann, n)));
      await Promise.all(names.map((n) => subscribed(bob, n)));
      const got = nextEvent(bob.channel(`private-${i}`) as never, 'client-hi');
      annChannels[1]!.trigger('client-hi', { i });
      expect(await got).toEqual({ i });
      bob.unsubscribe(`news-${i}`);
      bob.unsubscribe('presence-room');

      // A socket that sends a burst of subscribes and is cut while most of them still wait in its queue.
      const raw = await rawClient(target);
      await raw.socketId();
      for (let k = 0; k < 50; k++) raw.send({ event: 'pusher:subscribe', data: { channel: `burst-${i}-${k}` } });
      raw.close();
    } finally {
      ann.disconnect();
      bob.disconnect();
    }
  }

  it(`after ${CYCLES} cycles of connect, subscribe (public, private, presence, cache), sign-in, watchlist and disconnect`, async () => {
    const start = everything(t);
    expect(start.gateway.connections).toBe(0);
    for (let i = 0; i < CYCLES; i++) await cycle(i);
    await waitFor(() => JSON.stringify(everything(t)) === JSON.stringify(start), 10_000, 'every collection back to its start').catch(() => undefined);
    expect(everything(t)).toEqual(start);

    const count = (name: string) => t.webhooks.names().filter((n) => n === name).length;
    expect(count('channel_occupied')).toBeGreaterThanOrEqual(CYCLES * 4);
    expect(count('channel_vacated')).toBe(count('channel_occupied'));
    expect(count('member_added')).toBe(count('member_removed'));
  }, 120_000);
});
