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

  it('fails publish and subscribe at once while down, and resubscribes by itself', async () => {
    const servers = [`nats://127.0.0.1:${nats.port}`];
    const strict = await NatsBus.connect({ servers, prefix: 'outage', nodeId: asNodeId('strict') });
    const publisher = await NatsBus.connect({ servers, prefix: 'outage', nodeId: asNodeId('publisher') });
    try {
      const seen: BusMessage[] = [];
      await strict.subscribe(app, ch, (m) => seen.push(m));
      await nats.kill('SIGKILL');
      await waitFor(() => !strict.isConnected() && !publisher.isConnected(), 5000, 'both buses to notice');
      const started = Date.now();
      await expect(strict.publish(app, ch, { frame: 'lost' })).rejects.toBeInstanceOf(DependencyUnavailable);
      await expect(strict.subscribe(app, other, () => undefined)).rejects.toBeInstanceOf(DependencyUnavailable);
      expect(Date.now() - started).toBeLessThan(500);
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
      const closing = Date.now();
      await strict.close();
      expect(Date.now() - closing).toBeLessThan(1000);
    } finally {
      await Promise.all([strict.close(), publisher.close()]);
    }
  });
});
