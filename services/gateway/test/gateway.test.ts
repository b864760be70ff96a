import { afterEach, describe, expect, it } from 'vitest';
import { asChannelName, signUser, type Presence } from '@sockudo-ts/shared';
import { framesUntilPong } from '../../../tests/kit/protocol.js';
import { rawClient, waitFor, type RawClient } from '../../../tests/kit/clients.js';
import { startTestGateway, type TestGateway } from './harness.js';

/** Gate holds presence subscribes until the test opens it. */
class Gate {
  private open!: () => void;
  readonly opened = new Promise<void>((r) => (this.open = r));
  release(): void {
    this.open();
  }
}

/** gatedPresence makes every subscribe wait for the gate (a slow presence service, under the test's control). */
function gatedPresence(gate: Gate) {
  return (inner: Presence): Presence => {
    const p = Object.create(inner) as Presence;
    p.subscribe = async (...args) => {
      await gate.opened;
      return inner.subscribe(...args);
    };
    return p;
  };
}

describe('Gateway', () => {
  let t: TestGateway | undefined;
  const raws: RawClient[] = [];
  afterEach(async () => {
    for (const r of raws.splice(0)) r.close();
    await t?.stop();
    t = undefined;
  });
  const open = async (): Promise<{ c: RawClient; id: string }> => {
    const c = await rawClient({ host: t!.host, port: t!.port, app: t!.app });
    raws.push(c);
    return { c, id: await c.socketId() };
  };

  it('answers a ping only after the slow subscribe sent before it', async () => {
    const gate = new Gate();
    t = await startTestGateway({ wrapPresence: gatedPresence(gate) });
    const { c } = await open();
    c.send({ event: 'pusher:subscribe', data: { channel: 'slow' } });
    const answers = framesUntilPong(c);
    await waitFor(() => t!.gateway.sizes().channels.pending === 1, 5000, 'the subscribe to wait on presence');
    expect(c.frames.map((f) => f.event)).toEqual(['pusher:connection_established']);
    gate.release();
    expect((await answers).map((f) => f.event)).toEqual(['pusher_internal:subscription_succeeded']);
  });

  it('drops the frames still queued when a socket closes: a gone socket joins no further channel', async () => {
    const gate = new Gate();
    t = await startTestGateway({ wrapPresence: gatedPresence(gate) });
    const { c } = await open();
    for (let i = 0; i < 20; i++) c.send({ event: 'pusher:subscribe', data: { channel: `queued-${i}` } });
    await waitFor(() => t!.gateway.sizes().channels.pending === 1, 5000, 'the first subscribe to wait on presence');
    c.close();
    await waitFor(() => t!.gateway.sizes().connections === 0, 5000, 'the gateway to see the close');
    gate.release();
    await waitFor(() => t!.gateway.sizes().closing === 0, 5000, 'the cleanup');
    expect(t.webhooks.names()).toEqual(['channel_occupied', 'channel_vacated']);
    expect(t.webhooks.events[0]!.event).toEqual({ name: 'channel_occupied', channel: 'queued-0' });
    expect(t.store.sizes()).toEqual({ sockets: 0, channels: 0, members: 0, users: 0, apps: 0, nodes: 0 });
  });

  it('answers an unexpected handler failure with an internal-error pusher:error and keeps serving the socket', async () => {
    t = await startTestGateway({
      wrapPresence: (inner) => {
        const p = Object.create(inner) as Presence;
        p.subscribe = async (app, channel, ...rest) => {
          if (channel === asChannelName('broken')) throw new Error('bug');
          return inner.subscribe(app, channel, ...rest);
        };
        return p;
      },
    });
    const { c } = await open();
    c.send({ event: 'pusher:subscribe', data: { channel: 'broken' } });
    c.send({ event: 'pusher:subscribe', data: { channel: 'fine' } });
    const answers = await framesUntilPong(c);
    expect(answers.map((f) => [f.event, f.channel, f.data])).toEqual([
      ['pusher:error', undefined, JSON.stringify({ code: null, message: 'Internal error while handling the frame' })],
      ['pusher_internal:subscription_succeeded', 'fine', '{}'],
    ]);
    expect(t.gateway.sizes().channels).toEqual({ apps: 1, channels: 1, sockets: 1, pending: 0 });
  });

  it('snapshots its open sockets with their user and confirmed channels', async () => {
    t = await startTestGateway({ app: { enable_user_authentication: true } });
    const a = await open();
    const b = await open();
    const userData = '{"id":"ann"}';
    a.c.send({ event: 'pusher:signin', data: { user_data: userData, auth: signUser(t.app.key, t.app.secret, a.id, userData) } });
    a.c.send({ event: 'pusher:subscribe', data: { channel: 'news' } });
    await framesUntilPong(a.c);
    const snapshot = t.gateway.snapshot();
    expect(snapshot.nodeId).toBe('node-1');
    expect(snapshot.sockets.sort((x, y) => (x.userId ? -1 : y.userId ? 1 : 0))).toEqual([
      { appId: t.app.id, socketId: a.id, userId: 'ann', channels: [{ channel: 'news' }] },
      { appId: t.app.id, socketId: b.id, channels: [] },
    ]);
  });

  it('stops as a service: closes every socket with 4200, refuses new ones, and ends with nothing held', async () => {
    t = await startTestGateway();
    expect(t.gateway.name).toBe('gateway');
    const { c } = await open();
    c.send({ event: 'pusher:subscribe', data: { channel: 'news' } });
    await framesUntilPong(c);
    await t.gateway.stop(1000);
    expect((await c.closed).code).toBe(4200);
    await expect(rawClient({ host: t.host, port: t.port, app: t.app })).rejects.toThrow('Unexpected server response: 503');
    expect(t.gateway.sizes()).toEqual({
      connections: 0,
      closing: 0,
      admitting: 0,
      writeQueue: 0,
      queuedFrames: 0,
      channels: { apps: 0, channels: 0, sockets: 0, pending: 0 },
      users: { users: 0, signedIn: 0, watched: 0, watchers: 0 },
    });
    expect(t.store.sizes().sockets).toBe(0);
  });

  it('bounds the frames in flight of a socket that sends faster than its handlers finish: it is not read meanwhile', async () => {
    const gate = new Gate();
    t = await startTestGateway({ wrapPresence: gatedPresence(gate), config: { websocket: { max_frames_per_second: 0 } } });
    const { c } = await open();
    const N = 20_000;
    for (let i = 0; i < N; i++) c.send({ event: 'pusher:subscribe', data: { channel: `flood-${i}` } });
    await waitFor(() => t!.gateway.sizes().channels.pending === 1, 5000, 'the first subscribe to wait on presence');
    // why: give the socket time to deliver whatever it would; the assertion is on how much was taken, not on time.
    let last = -1;
    await waitFor(async () => {
      const now = t!.gateway.sizes().queuedFrames;
      const settled = now === last;
      last = now;
      await new Promise((r) => setTimeout(r, 200));
      return settled;
    }, 20_000, 'the queue to stop growing');
    // MAX_QUEUED_FRAMES, plus the frames of the read that crossed it.
    expect(t.gateway.sizes().queuedFrames).toBeLessThan(N / 4);
    gate.release();
    c.close();
  });
});
