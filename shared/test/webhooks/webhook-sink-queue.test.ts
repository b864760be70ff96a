import { afterEach, describe, expect, it } from 'vitest';
import { APP_DEFAULTS, asAppId, asChannelName, asUserId, MemoryAppStore, MemoryJobQueue, QueueWebhookSink, type App, type WebhookJob } from '@sockudo-ts/shared';
import { waitFor } from '../../../tests/kit/clients.js';

const appA = asAppId('a');
const appNone = asAppId('none');
const ghostApp = asAppId('ghost');
const ch = asChannelName('c');
const presenceC = asChannelName('presence-c');
const u1 = asUserId('u1');
const u2 = asUserId('u2');

const app = (id: string, webhooks: App['webhooks']): App => ({ ...APP_DEFAULTS, id: asAppId(id), key: `key-${id}`, secret: `secret-${id}`, webhooks });
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
    const { sink, jobs, queue } = setUp([app(appNone, [])]);
    sink.emit(appNone, { name: 'channel_occupied', channel: ch });
    sink.emit(ghostApp, { name: 'channel_occupied', channel: ch });
    await sink.flush();
    expect(jobs).toEqual([]);
    expect(await queue.depth()).toBe(0);
  });

  it('keeps the order of one app\'s events', async () => {
    const { sink, jobs } = setUp([app(appA, [{ url: 'http://h.test/', event_types: ALL }])], 0);
    for (let i = 0; i < 20; i++) sink.emit(appA, { name: 'subscription_count', channel: ch, subscription_count: i });
    await sink.flush();
    await waitFor(() => jobs.length === 20, 5000, 'the 20 jobs to be processed');
    expect(jobs.map((j) => (j.event as { subscription_count: number }).subscription_count)).toEqual([...Array(20).keys()]);
  });

  it('holds vacated for the delay and then releases it as a job', async () => {
    const { sink, jobs, queue } = setUp([app(appA, [{ url: 'http://h.test/', event_types: ALL }])]);
    sink.emit(appA, { name: 'channel_vacated', channel: ch });
    await sink.flush();
    expect(jobs).toEqual([]);
    expect(await queue.depth()).toBe(1);
    await waitFor(() => jobs.length > 0, 5000, 'the held vacated to be released');
    expect(jobs).toEqual([{ v: 1, kind: 'release', app_id: appA, event: { name: 'channel_vacated', channel: ch, id: expect.any(String) } }]);
  });

  it('drops a held member_removed and the member_added that cancelled it; other members are untouched', async () => {
    const { sink, jobs } = setUp([app(appA, [{ url: 'http://h.test/', event_types: ALL }])]);
    sink.emit(appA, { name: 'member_removed', channel: presenceC, user_id: u1 });
    sink.emit(appA, { name: 'member_removed', channel: presenceC, user_id: u2 });
    sink.emit(appA, { name: 'member_added', channel: presenceC, user_id: u1 });
    await sink.flush();
    // why: u1's removal was held first, so had it not been dropped it would be released no later than u2's.
    await waitFor(() => jobs.some((j) => j.event.name === 'member_removed' && j.event.user_id === u2), 5000, "u2's member_removed");
    expect(jobs.map((j) => [j.kind, j.event])).toEqual([['release', { name: 'member_removed', channel: presenceC, user_id: u2, id: expect.any(String) }]]);
  });

  it('does not hold an event no endpoint wants, so the next occupied is sent', async () => {
    const { sink, jobs, queue } = setUp([app(appA, [{ url: 'http://h.test/', event_types: ['channel_occupied'] }])]);
    sink.emit(appA, { name: 'channel_vacated', channel: ch });
    sink.emit(appA, { name: 'channel_occupied', channel: ch });
    await sink.flush();
    expect(await queue.depth()).toBe(0);
    await waitFor(() => jobs.length > 0, 5000, 'the occupied to be delivered');
    expect(jobs.map((j) => j.kind)).toEqual(['deliver']);
  });
});

describe('QueueWebhookSink bounds', () => {
  const hooked = app(appA, [{ url: 'http://h.test/', event_types: ALL }]);

  it('waits a bounded time for a queue that does not answer (Redis down), counts the drops and goes on', async () => {
    const stuck = new MemoryJobQueue<WebhookJob>();
    stuck.add = () => new Promise<void>(() => undefined);
    const dropped: string[] = [];
    const sink = new QueueWebhookSink(stuck, new MemoryAppStore([hooked]), { vacateDelayMs: 0, enqueueTimeoutMs: 20, onDropped: (_app, reason) => dropped.push(reason) });
    for (let i = 0; i < 3; i++) sink.emit(appA, { name: 'channel_occupied', channel: asChannelName(`c${i}`) });
    await sink.flush();
    expect(dropped).toEqual(['queue_unavailable', 'queue_unavailable', 'queue_unavailable']);
    await stuck.close();
  });

  it('drops an app\'s events past maxPendingPerApp while the queue is slow', async () => {
    const slow = new MemoryJobQueue<WebhookJob>();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    slow.add = () => gate;
    const dropped: string[] = [];
    const sink = new QueueWebhookSink(slow, new MemoryAppStore([hooked]), { vacateDelayMs: 0, maxPendingPerApp: 5, onDropped: (_app, reason) => dropped.push(reason) });
    for (let i = 0; i < 8; i++) sink.emit(appA, { name: 'channel_occupied', channel: asChannelName(`c${i}`) });
    expect(dropped).toEqual(['backlog', 'backlog', 'backlog']);
    release();
    await sink.flush();
    await slow.close();
  });

  it('turns events of an app over maxQueuedPerApp into dead letters', async () => {
    const queue = new MemoryJobQueue<WebhookJob>({ groupOf: (job) => job.app_id });
    const dropped: string[] = [];
    const sink = new QueueWebhookSink(queue, new MemoryAppStore([hooked]), { vacateDelayMs: 0, maxQueuedPerApp: 4, onDropped: (_app, reason) => dropped.push(reason) });
    for (let i = 0; i < 6; i++) sink.emit(appA, { name: 'channel_occupied', channel: asChannelName(`c${i}`) });
    await sink.flush();
    expect(await queue.groupDepth(appA)).toBe(4);
    expect(dropped).toEqual(['depth_cap', 'depth_cap']);
    expect((await queue.deadLetters()).map((l) => l.error)).toEqual([expect.stringMatching(/max_queued_per_app/), expect.stringMatching(/max_queued_per_app/)]);
    await queue.close();
  });
});
