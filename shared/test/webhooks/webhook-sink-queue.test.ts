import { afterEach, describe, expect, it } from 'vitest';
import { APP_DEFAULTS, MemoryAppStore, MemoryJobQueue, QueueWebhookSink, type App, type WebhookJob } from '@sockudo-ts/shared';
import { sleep } from '../../../tests/kit/clients.js';

const app = (id: string, webhooks: App['webhooks']): App => ({ ...APP_DEFAULTS, id, key: `key-${id}`, secret: `secret-${id}`, webhooks });
const ALL = ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed', 'client_event', 'cache_miss', 'subscription_count'];

describe('QueueWebhookSink', () => {
  const queues: MemoryJobQueue<WebhookJob>[] = [];
  afterEach(async () => {
    for (const q of queues.splice(0)) await q.close();
  });

  function setUp(apps: App[], vacateDelayMs = 100) {
    const queue = new MemoryJobQueue<WebhookJob>();
    queues.push(queue);
    const jobs: WebhookJob[] = [];
    queue.process(async (job) => void jobs.push(job), 10);
    const sink = new QueueWebhookSink(queue, new MemoryAppStore(apps), { vacateDelayMs });
    return { queue, jobs, sink };
  }

  it('queues nothing for apps without webhooks or unknown apps', async () => {
    const { sink, jobs, queue } = setUp([app('none', [])]);
    sink.emit('none', { name: 'channel_occupied', channel: 'c' });
    sink.emit('ghost', { name: 'channel_occupied', channel: 'c' });
    await sink.flush();
    expect(jobs).toEqual([]);
    expect(await queue.depth()).toBe(0);
  });

  it('keeps the order of one app\'s events', async () => {
    const { sink, jobs } = setUp([app('a', [{ url: 'http://h.test/', event_types: ALL }])], 0);
    for (let i = 0; i < 20; i++) sink.emit('a', { name: 'subscription_count', channel: 'c', subscription_count: i });
    await sink.flush();
    await sleep(20);
    expect(jobs.map((j) => (j.event as { subscription_count: number }).subscription_count)).toEqual([...Array(20).keys()]);
  });

  it('holds vacated for the delay and then releases it as a job', async () => {
    const { sink, jobs, queue } = setUp([app('a', [{ url: 'http://h.test/', event_types: ALL }])]);
    sink.emit('a', { name: 'channel_vacated', channel: 'c' });
    await sink.flush();
    expect(jobs).toEqual([]);
    expect(await queue.depth()).toBe(1);
    await sleep(200);
    expect(jobs).toEqual([{ v: 1, kind: 'release', app_id: 'a', event: { name: 'channel_vacated', channel: 'c' } }]);
  });

  it('drops a held member_removed and the member_added that cancelled it; other members are untouched', async () => {
    const { sink, jobs } = setUp([app('a', [{ url: 'http://h.test/', event_types: ALL }])]);
    sink.emit('a', { name: 'member_removed', channel: 'presence-c', user_id: 'u1' });
    sink.emit('a', { name: 'member_removed', channel: 'presence-c', user_id: 'u2' });
    sink.emit('a', { name: 'member_added', channel: 'presence-c', user_id: 'u1' });
    await sink.flush();
    await sleep(200);
    expect(jobs.map((j) => [j.kind, j.event])).toEqual([['release', { name: 'member_removed', channel: 'presence-c', user_id: 'u2' }]]);
  });

  it('does not hold an event no endpoint wants, so the next occupied is sent', async () => {
    const { sink, jobs, queue } = setUp([app('a', [{ url: 'http://h.test/', event_types: ['channel_occupied'] }])]);
    sink.emit('a', { name: 'channel_vacated', channel: 'c' });
    sink.emit('a', { name: 'channel_occupied', channel: 'c' });
    await sink.flush();
    await sleep(20);
    expect(await queue.depth()).toBe(0);
    expect(jobs.map((j) => j.kind)).toEqual(['deliver']);
  });
});
