import { afterEach, describe, expect, it } from 'vitest';
import { asAppId, asChannelName, MemoryJobQueue, PermanentFailure, WebhookDeadLetters, type WebhookJob } from '@sockudo-ts/shared';
import { waitFor } from '../../../tests/kit/clients.js';

const job = (appId: string, channel: string): WebhookJob => ({
  v: 1,
  kind: 'deliver',
  app_id: asAppId(appId),
  url: 'http://h.test/hook',
  headers: { Authorization: 'Bearer secret-token' },
  event: { name: 'channel_occupied', channel: asChannelName(channel) },
});

describe('WebhookDeadLetters', () => {
  let queue: MemoryJobQueue<WebhookJob>;
  afterEach(() => queue.close());

  it('lists and replays only the letters of the asking app, without custom headers', async () => {
    queue = new MemoryJobQueue<WebhookJob>();
    let fail = true;
    const delivered: string[] = [];
    queue.process(async (j) => {
      if (fail) throw new PermanentFailure('HTTP 410');
      delivered.push(`${j.app_id}/${j.event.channel}`);
    });
    await queue.add(job('a', 'one'));
    await queue.add(job('b', 'two'));
    await waitFor(async () => (await queue.deadLetters()).length === 2, 2000, 'two dead letters');
    const letters = new WebhookDeadLetters(queue);
    const ofA = await letters.list('a');
    expect(ofA).toHaveLength(1);
    expect(ofA[0]).toMatchObject({ url: 'http://h.test/hook', event: { name: 'channel_occupied', channel: 'one' }, error: 'HTTP 410', attempts: 1 });
    expect(JSON.stringify(ofA)).not.toContain('secret-token');
    const ofB = await letters.list('b');
    expect(await letters.replay('a', ofB[0]!.id)).toBe(false);
    fail = false;
    expect(await letters.replay('a', ofA[0]!.id)).toBe(true);
    await waitFor(() => delivered.length === 1, 2000, 'the replay');
    expect(delivered).toEqual(['a/one']);
    expect(await letters.list('a')).toEqual([]);
    expect(await letters.list('b')).toHaveLength(1);
  });
});
