import { describe, expect, it } from 'vitest';
import { asAppId, asChannelName, asNodeId, asUserId, Outbox, type BusMessage, type ControlMessage } from '@sockudo-ts/shared';
import { NatsBus } from '@sockudo-ts/shared/implementations';
import { NATS_SERVER_BINARY, binariesPresent, startNatsServer, waitFor } from '../../../tests/kit/index.js';
import { OutageBus } from './outage-bus.js';

const app = asAppId('a');
const ch = asChannelName('c');
const presenceC = asChannelName('presence-c');
const ann = asUserId('ann');

function watched(bus: OutageBus): { frames: string[]; control: ControlMessage[] } {
  const frames: string[] = [];
  const control: ControlMessage[] = [];
  void bus.subscribe(app, ch, (m: BusMessage) => frames.push(m.frame));
  bus.onControl((m) => control.push(m));
  return { frames, control };
}

describe('Outbox', () => {
  it('publishes at once while the bus takes messages', async () => {
    const bus = new OutageBus();
    const { frames } = watched(bus);
    const outbox = new Outbox(bus, { retryMs: 10 });
    await outbox.publish(app, ch, { frame: 'one' });
    expect(frames).toEqual(['one']);
    expect(outbox.size()).toBe(0);
    await outbox.close();
  });

  it('keeps what the bus refused and sends it, in order with later announcements, once the bus is back', async () => {
    const bus = new OutageBus();
    const { frames, control } = watched(bus);
    const outbox = new Outbox(bus, { retryMs: 10 });
    bus.down = true;
    await outbox.publish(app, ch, { frame: 'joined' });
    await outbox.publishControl({ type: 'user_presence', appId: app, userId: ann, online: true });
    await outbox.publish(app, ch, { frame: 'left' });
    expect(outbox.size()).toBe(3);
    // why: wait for a retry the bus refused, not for a span of time: the kept announcements have then been
    // offered again during the outage, and none may have been sent or lost.
    const refusedAtFirst = bus.refused;
    await waitFor(() => bus.refused > refusedAtFirst, 5000, 'the outbox to retry while the bus is down');
    expect(frames).toEqual([]);
    expect(control).toEqual([]);
    expect(outbox.size()).toBe(3);
    bus.down = false;
    // why: a new announcement made before the retry fires must still wait behind the kept ones.
    await outbox.publish(app, ch, { frame: 'later' });
    await waitFor(() => outbox.size() === 0, 2000, 'the outbox to drain');
    expect(frames).toEqual(['joined', 'left', 'later']);
    expect(control).toEqual([{ type: 'user_presence', appId: app, userId: ann, online: true }]);
    await outbox.close();
  });

  it('drops the oldest announcement past maxPending and counts it', async () => {
    const bus = new OutageBus();
    const { frames } = watched(bus);
    const outbox = new Outbox(bus, { retryMs: 10, maxPending: 2 });
    bus.down = true;
    for (const frame of ['1', '2', '3']) await outbox.publish(app, ch, { frame });
    expect([outbox.size(), outbox.dropped()]).toEqual([2, 1]);
    bus.down = false;
    await waitFor(() => outbox.size() === 0, 2000, 'the outbox to drain');
    expect(frames).toEqual(['2', '3']);
    await outbox.close();
  });

  it('close sends what is waiting when the bus is back, and drops what it still refuses', async () => {
    const bus = new OutageBus();
    const { frames } = watched(bus);
    const outbox = new Outbox(bus, { retryMs: 60_000 });
    bus.down = true;
    await outbox.publish(app, ch, { frame: 'kept' });
    bus.down = false;
    await outbox.close();
    expect(frames).toEqual(['kept']);

    const refused = new Outbox(bus, { retryMs: 60_000 });
    bus.down = true;
    await refused.publish(app, ch, { frame: 'lost' });
    await refused.close();
    expect([refused.size(), refused.dropped()]).toEqual([0, 1]);
  });

  it('passes on an error that retrying cannot cure', async () => {
    const bus = new OutageBus();
    bus.publish = async () => {
      throw new TypeError('bad frame');
    };
    const outbox = new Outbox(bus, { retryMs: 10 });
    await expect(outbox.publish(app, ch, { frame: 'x' })).rejects.toThrow('bad frame');
    expect(outbox.size()).toBe(0);
    await outbox.close();
  });
});

const present = binariesPresent('Outbox over NatsBus', NATS_SERVER_BINARY);

describe.skipIf(!present)('Outbox over NatsBus through a NATS restart', () => {
  it('keeps what was published while NATS was down and sends it once NATS is back', async () => {
    const nats = await startNatsServer();
    const servers = [`nats://127.0.0.1:${nats.port}`];
    const opened: NatsBus[] = [];
    // why: NATS core delivers only to subscribers connected at that moment; the test sends (close drains)
    // once both buses are back instead of racing the subscriber's reconnection with a retry timer.
    let outbox: Outbox | undefined;
    try {
      const subscriber = await NatsBus.connect({ servers, prefix: 'outbox', nodeId: asNodeId('gateway') });
      opened.push(subscriber);
      const publisher = await NatsBus.connect({ servers, prefix: 'outbox', nodeId: asNodeId('presence') });
      opened.push(publisher);
      outbox = new Outbox(publisher, { retryMs: 60_000 });
      const seen: string[] = [];
      await subscriber.subscribe(app, presenceC, (m) => seen.push(m.frame));
      await nats.kill('SIGKILL');
      await waitFor(() => !publisher.isConnected(), 5000, 'the publisher to notice');
      await outbox.publish(app, presenceC, { frame: 'member_added' });
      expect(outbox.size()).toBe(1);
      await nats.start();
      await waitFor(
        async () => {
          if (publisher.isConnected()) await publisher.publish(app, presenceC, { frame: 'probe' });
          await new Promise((r) => setTimeout(r, 50));
          return seen.includes('probe');
        },
        10_000,
        'both buses to be back',
      );
      expect(outbox.size()).toBe(1);
      await outbox.close();
      await waitFor(() => seen.includes('member_added'), 5000, 'the kept announcement after the restart');
      expect(seen.filter((f) => f !== 'probe')).toEqual(['member_added']);
    } finally {
      await outbox?.close();
      await Promise.all(opened.map((bus) => bus.close()));
      await nats.kill();
    }
  });
});
