import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAppId, asChannelName, asNodeId, DependencyUnavailable, type BusMessage } from '@sockudo-ts/shared';
import { NatsBus } from '@sockudo-ts/shared/implementations';
import { NATS_SERVER_BINARY, binariesPresent, startNatsServer, waitFor, type ChildService } from '../../../tests/kit/index.js';

const app = asAppId('a');
const ch = asChannelName('ch');
const other = asChannelName('other');

const present = binariesPresent('NatsBus outage', NATS_SERVER_BINARY);

describe.skipIf(!present)('NatsBus through a NATS restart', () => {
  let nats: ChildService;
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await nats?.kill();
  });

  it('fails publish and subscribe with DependencyUnavailable, not a timeout, while down, and resubscribes by itself', async () => {
    const servers = [`nats://127.0.0.1:${nats.port}`];
    // why: a subscribe timeout far past the test's own timeout: a subscribe that waited for NATS instead of
    // failing at once would hang the test, so no clock is needed to tell "at once" from "after a timeout".
    const options = { servers, prefix: 'outage', subscribeTimeoutMs: 10 * 60_000 };
    const strict = await NatsBus.connect({ ...options, nodeId: asNodeId('strict') });
    const publisher = await NatsBus.connect({ ...options, nodeId: asNodeId('publisher') });
    try {
      const seen: BusMessage[] = [];
      await strict.subscribe(app, ch, (m) => seen.push(m));
      await nats.kill('SIGKILL');
      await waitFor(() => !strict.isConnected() && !publisher.isConnected(), 5000, 'both buses to notice');
      await expect(strict.publish(app, ch, { frame: 'lost' })).rejects.toBeInstanceOf(DependencyUnavailable);
      await expect(strict.subscribe(app, other, () => undefined)).rejects.toBeInstanceOf(DependencyUnavailable);
      await expect(publisher.publish(app, ch, { frame: 'lost too' })).rejects.toBeInstanceOf(DependencyUnavailable);

      await nats.start();
      await waitFor(() => strict.isConnected() && publisher.isConnected(), 10_000, 'both buses to reconnect');
      await waitFor(
        async () => {
          await publisher.publish(app, ch, { frame: 'after' });
          await new Promise((r) => setTimeout(r, 50));
          return seen.some((m) => m.frame === 'after');
        },
        5000,
        'delivery on the resubscribed channel',
      );
      expect(seen.filter((m) => m.frame.startsWith('lost'))).toEqual([]);
      await nats.kill('SIGKILL');
      await waitFor(() => !strict.isConnected(), 5000, 'the bus to notice');
      // close while NATS is down resolves (the test's timeout is the hang guard) and leaves the bus closed
      await strict.close();
      expect(strict.isConnected()).toBe(false);
      expect(strict.connection.isClosed()).toBe(true);
      await expect(strict.publish(app, ch, { frame: 'after close' })).rejects.toBeInstanceOf(DependencyUnavailable);
    } finally {
      await Promise.all([strict.close(), publisher.close()]);
    }
  });
});
