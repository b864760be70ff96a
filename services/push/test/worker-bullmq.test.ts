import { afterEach, describe, expect, it } from 'vitest';
import { PUSH_QUEUE, PushDeadLetters, asUserId, type Device, type PushJob } from '@sockudo-ts/shared';
import { BullMqJobQueue } from '@sockudo-ts/shared/implementations';
import { REDIS, binariesPresent, servicesUp, uniquePrefix } from '../../../tests/kit/services.js';
import { waitFor } from '../../../tests/kit/clients.js';
import { OPENSSL } from './fakes/tls.js';
import { startHarness, type PushHarness } from './harness.js';

const up = binariesPresent('push worker on BullMQ', OPENSSL) && (await servicesUp('push worker on BullMQ', REDIS));

describe.skipIf(!up)('PushWorker on the BullMQ queue (Redis)', () => {
  let queue: BullMqJobQueue<PushJob>;
  let h: PushHarness;
  afterEach(async () => {
    await queue.clear();
    await queue.close();
    await h.close();
  });

  it('delivers interest and user publishes once per device, retries, removes dead tokens and replays dead letters', async () => {
    queue = await BullMqJobQueue.connect<PushJob>({ url: `redis://${REDIS.host}:${REDIS.port}`, name: PUSH_QUEUE, prefix: uniquePrefix('push') });
    h = await startHarness(queue, { batchSize: 2 });
    const fans: Device[] = [];
    for (const platform of ['apns', 'fcm', 'web'] as const) for (let i = 0; i < 3; i++) fans.push(await h.register(platform, { interests: ['live'] }));
    const [throttled, dead, refused] = [fans[3]!, fans[6]!, fans[0]!];
    if (throttled.platform === 'fcm') h.fakes.fcm.faults.add(throttled.token, { kind: 'throttle', retryAfterSeconds: 1 }, 1);
    if (dead.platform === 'web') h.fakes.web.unsubscribe(dead.subscription);
    if (refused.platform === 'apns') h.fakes.apns.faults.add(refused.token, { kind: 'error', status: 400, reason: 'BadMessageId' }, 1);

    const live = await h.publish({ interests: ['live'] });
    await waitFor(async () => (await h.statuses.get(h.app, live))?.state === 'completed', 15_000, 'the interest publish to complete');
    expect(await h.statuses.get(h.app, live)).toMatchObject({ recipients: 9, delivered: 7, removed: 1, failed: 1 });
    for (const device of fans) expect(h.received(device)).toBe(device === dead || device === refused ? 0 : 1);
    expect(await h.devices.get(h.app, dead.id)).toBeUndefined();

    const letters = new PushDeadLetters(queue, h.statuses);
    const [letter] = await letters.list(h.app);
    expect(letter).toMatchObject({ publish_id: live, kind: 'deliver', platform: 'apns', devices: 1, error: 'apns refused it: BadMessageId' });
    expect(await letters.replay(h.app, letter!.id)).toBe(true);
    await waitFor(() => h.received(refused) === 1, 15_000, 'the replayed dead letter');
    await waitFor(async () => (await h.statuses.get(h.app, live))?.failed === 0, 5000, 'the status to take the replay back');
    expect(await h.statuses.get(h.app, live)).toMatchObject({ state: 'completed', delivered: 8, removed: 1, failed: 0 });

    const mine = [await h.register('apns', { user_id: asUserId('u1') }), await h.register('web', { user_id: asUserId('u1') })];
    const personal = await h.publish({ users: [asUserId('u1')] });
    await waitFor(async () => (await h.statuses.get(h.app, personal))?.state === 'completed', 15_000, 'the user publish to complete');
    for (const device of mine) expect(h.received(device)).toBe(1);
    expect(await letters.list(h.app)).toEqual([]);
    expect(h.fakes.problems()).toEqual([]);
    expect(await h.registry.metrics()).toContain('t_push_notifications_total{provider="fcm",outcome="retry"} 1');
  }, 60_000);
});
