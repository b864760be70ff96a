import { afterEach, describe, expect, it } from 'vitest';
import { MemoryJobQueue, MemoryPublishStatusStore, PermanentFailure, PushDeadLetters, asAppId, asDeviceId, newPublishId, type PushJob } from '@sockudo-ts/shared';
import { waitFor } from '../../../tests/kit/clients.js';

describe('PushDeadLetters', () => {
  let queue: MemoryJobQueue<PushJob>;
  afterEach(() => queue.close());

  it('lists and replays only the asking app\'s letters, without tokens or payloads, and takes replayed devices off `failed`', async () => {
    queue = new MemoryJobQueue<PushJob>();
    const statuses = new MemoryPublishStatusStore();
    const [a, b] = [asAppId('a'), asAppId('b')];
    const publishA = newPublishId();
    let fail = true;
    const replayed: string[] = [];
    queue.process(async (job) => {
      if (fail) throw new PermanentFailure('apns refused it: BadTopic');
      replayed.push(job.app_id);
    });
    const deliver = (app: typeof a, publishId = newPublishId()): PushJob => ({
      v: 1,
      kind: 'deliver',
      app_id: app,
      publish_id: publishId,
      platform: 'apns',
      device_ids: [asDeviceId('d1'), asDeviceId('d2')],
      notification: { apns: { aps: { alert: 'very private words' } } },
      expires_at: Date.now() + 60_000,
      attempt: 3,
      bury: { job_id: 'x', reason: 'apns refused it: BadTopic' },
    });
    await queue.add(deliver(a, publishA));
    await queue.add(deliver(b));
    await waitFor(async () => (await queue.deadLetters()).length === 2, 2000, 'two dead letters');
    await statuses.planned(a, publishA, 2);
    await statuses.record(a, publishA, 'failed', 2);

    const letters = new PushDeadLetters(queue, statuses);
    const ofA = await letters.list(a);
    expect(ofA).toEqual([{ id: expect.any(String), publish_id: publishA, kind: 'deliver', platform: 'apns', devices: 2, error: 'apns refused it: BadTopic', attempts: 1, failed_at: expect.any(Number) }]);
    expect(JSON.stringify(ofA)).not.toContain('private');
    const [ofB] = await letters.list(b);
    expect(await letters.replay(a, ofB!.id)).toBe(false);
    expect(await letters.replay(a, 'no-such-letter')).toBe(false);
    fail = false;
    expect(await letters.replay(a, ofA[0]!.id)).toBe(true);
    await waitFor(() => replayed.length === 1, 2000, 'the replay');
    expect(replayed).toEqual(['a']);
    expect(await statuses.get(a, publishA)).toMatchObject({ failed: 0, state: 'delivering' });
    expect(await letters.list(a)).toEqual([]);
    expect(await letters.list(b)).toHaveLength(1);
  });
});
