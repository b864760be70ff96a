import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAppId, asChannelName, asNodeId, asUserId, DependencyUnavailable, type BusMessage, type ControlMessage } from '@sockudo-ts/shared';
import { RedisBus } from '@sockudo-ts/shared/implementations';
import { REDIS_SERVER_BINARY, binariesPresent, startRedisServer, waitFor, type ChildService } from '../../../tests/kit/index.js';

const app = asAppId('a');
const ch = asChannelName('ch');
const later = asChannelName('other');
const gone = asChannelName('gone');
const user = asUserId('u');

const present = binariesPresent('RedisBus outage', REDIS_SERVER_BINARY);

describe.skipIf(!present)('RedisBus through a Redis restart', () => {
  let redis: ChildService;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.kill();
  });

  it('fails publish and subscribe with DependencyUnavailable, not a timeout, while down, and resubscribes channels and control by itself', async () => {
    const url = `redis://127.0.0.1:${redis.port}`;
    // why: a command timeout far past the test's own timeout: a publish that waited for Redis instead of
    // failing at once would hang the test, so no clock is needed to tell "at once" from "after a timeout".
    const options = { url, prefix: 'outage:', commandTimeoutMs: 10 * 60_000 };
    const strict = await RedisBus.connect({ ...options, nodeId: asNodeId('strict') });
    const publisher = await RedisBus.connect({ ...options, nodeId: asNodeId('publisher') });
    try {
      const seen: BusMessage[] = [];
      const control: ControlMessage[] = [];
      await strict.subscribe(app, ch, (m) => seen.push(m));
      const leaving = await strict.subscribe(app, gone, () => undefined);
      strict.onControl((m) => control.push(m));
      await redis.kill('SIGKILL');
      await waitFor(() => !strict.isConnected() && !publisher.isConnected(), 5000, 'both buses to notice');
      await expect(strict.publish(app, ch, { frame: 'lost' })).rejects.toBeInstanceOf(DependencyUnavailable);
      await expect(strict.subscribe(app, later, () => undefined)).rejects.toBeInstanceOf(DependencyUnavailable);
      await expect(publisher.publishControl({ type: 'terminate_user', appId: app, userId: user })).rejects.toBeInstanceOf(DependencyUnavailable);

      await leaving.unsubscribe();
      await redis.start();
      await waitFor(() => strict.isConnected() && publisher.isConnected(), 10_000, 'both buses to reconnect');
      await waitFor(
        async () => {
          await publisher.publish(app, ch, { frame: 'after' });
          await publisher.publishControl({ type: 'user_presence', appId: app, userId: user, online: true });
          await new Promise((r) => setTimeout(r, 50));
          return seen.some((m) => m.frame === 'after') && control.length > 0;
        },
        5000,
        'delivery on the resubscribed channel and control topic',
      );
      expect(seen.filter((m) => m.frame.startsWith('lost'))).toEqual([]);
      // the channel left while Redis was down is not subscribed again
      const numsub = execFileSync('/usr/bin/redis-cli', ['-p', String(redis.port), 'pubsub', 'numsub', 'outage:ch:a:ch', 'outage:ch:a:gone'], { encoding: 'utf8' });
      expect(numsub.trim().split('\n')).toEqual(['outage:ch:a:ch', '1', 'outage:ch:a:gone', '0']);
      const other: BusMessage[] = [];
      await strict.subscribe(app, later, (m) => other.push(m));
      await publisher.publish(app, later, { frame: 'fresh' });
      await waitFor(() => other.length === 1, 3000, 'a subscription made after the restart');
      await redis.kill('SIGKILL');
      await waitFor(() => !strict.isConnected(), 5000, 'the bus to notice');
      // close while Redis is down resolves (the test's timeout is the hang guard) and leaves the bus closed
      await strict.close();
      expect(strict.isConnected()).toBe(false);
      await expect(strict.publish(app, ch, { frame: 'after close' })).rejects.toBeInstanceOf(DependencyUnavailable);
    } finally {
      await Promise.all([strict.close(), publisher.close()]);
    }
  });
});
