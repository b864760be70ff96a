import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATS, REDIS, framesUntilPong, rawClient, sendSubscribePairs, servicesUp, startCluster, type TestCluster } from '../kit/index.js';

const up = await servicesUp('cluster: frame order', NATS, REDIS);

// The same guarantee as tests/e2e/frame-order.test.ts where every subscribe waits on NATS and on the
// presence service over gRPC: the answers come back complete and in order, the pong after all of them.

describe.skipIf(!up)('cluster: one socket\'s frames are answered in order', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ gateways: 1, config: { websocket: { max_frames_per_second: 0 } } });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('answers 1,000 back-to-back subscribe/unsubscribe pairs on distinct channels, all before the pong of a later ping', async () => {
    const c = await rawClient(cluster.gateway(0));
    await c.socketId();
    const names = sendSubscribePairs(c, 'pairs-', 1000);
    // why: each pair costs a NATS and two presence round trips, one after the other; a loaded machine is slow.
    const answers = await framesUntilPong(c, 90_000);
    expect(answers.map((f) => f.event)).toEqual(names.map(() => 'pusher_internal:subscription_succeeded'));
    expect(answers.map((f) => f.channel)).toEqual(names);
    c.close();
  }, 120_000);
});
