import { afterEach, describe, expect, it } from 'vitest';
import { MemoryJobQueue, PushDeadLetters, asUserId, newPublishId, type Device, type PushDeliverJob, type PushJob } from '@sockudo-ts/shared';
import { binariesPresent } from '../../../tests/kit/services.js';
import { OPENSSL } from './fakes/tls.js';
import { hexToken } from './fakes/helpers.js';
import type { PushProvider } from '@sockudo-ts/push';
import { NOTE, startHarness, type PushHarness } from './harness.js';

const present = binariesPresent('push worker', OPENSSL);

describe.skipIf(!present)('PushWorker on the memory queue, delivering to fake APNs, FCM and Web Push', () => {
  let queue: MemoryJobQueue<PushJob>;
  let h: PushHarness;
  afterEach(async () => {
    await queue.close();
    await h.close();
  });
  const start = async (options: Parameters<typeof startHarness>[1] = {}): Promise<void> => {
    queue = new MemoryJobQueue<PushJob>({ baseDelayMs: 50, maxDelayMs: 100, maxElapsedMs: 2000 });
    h = await startHarness(queue, options);
  };

  it('delivers an interest publish and a user publish to every device of the three platforms exactly once', async () => {
    await start({ batchSize: 2 });
    const news: Device[] = [];
    for (const platform of ['apns', 'fcm', 'web'] as const) {
      for (let i = 0; i < 3; i++) news.push(await h.register(platform, { interests: ['news'] }));
      news.push(await h.register(platform, { interests: ['news', 'sport'] }));
    }
    const sportOnly = await h.register('fcm', { interests: ['sport'] });
    const bystanders = [await h.register('apns', { interests: ['weather'] }), await h.register('web')];

    const interestPublish = await h.publish({ interests: ['news', 'sport'] });
    await queue.idle();
    for (const device of [...news, sportOnly]) expect(h.received(device), `${device.platform} ${device.id}`).toBe(1);
    for (const device of bystanders) expect(h.received(device)).toBe(0);
    expect(await h.statuses.get(h.app, interestPublish)).toMatchObject({ state: 'completed', recipients: 13, delivered: 13, removed: 0, failed: 0 });

    const alice: Device[] = [];
    for (const platform of ['apns', 'fcm', 'web'] as const) alice.push(await h.register(platform, { user_id: asUserId('alice') }));
    const userPublish = await h.publish({ users: [asUserId('alice'), asUserId('nobody')] });
    await queue.idle();
    for (const device of alice) expect(h.received(device)).toBe(1);
    for (const device of news) expect(h.received(device)).toBe(1);
    expect(await h.statuses.get(h.app, userPublish)).toMatchObject({ state: 'completed', recipients: 3, delivered: 3 });

    const web = alice.find((d) => d.platform === 'web')!;
    expect(h.fakes.web.delivered(web.platform === 'web' ? web.subscription : (undefined as never))[0]!.payload).toEqual({ notification: NOTE.web!.notification, data: { n: 1 } });
    expect(h.fakes.problems()).toEqual([]);
    const metrics = await h.registry.metrics();
    expect(metrics).toContain('t_push_notifications_total{provider="apns",outcome="delivered"} 5');
    expect(metrics).toContain('t_push_notifications_total{provider="fcm",outcome="delivered"} 6');
    expect(metrics).toContain('t_push_notifications_total{provider="web",outcome="delivered"} 5');
    expect(metrics).toContain('t_push_publishes_total{outcome="planned"} 2');
    expect(metrics).toContain('t_push_queue_depth 0');
  });

  it('skips the platforms a publish has no part for', async () => {
    await start();
    const phone = await h.register('apns', { interests: ['x'] });
    const browser = await h.register('web', { interests: ['x'] });
    const id = await h.publish({ interests: ['x'] }, { web: NOTE.web! });
    await queue.idle();
    expect([h.received(phone), h.received(browser)]).toEqual([0, 1]);
    expect(await h.statuses.get(h.app, id)).toMatchObject({ state: 'completed', recipients: 1, delivered: 1 });
  });

  it('removes the devices whose provider says the token is dead, and delivers to the rest', async () => {
    await start();
    const alive = [await h.register('apns', { interests: ['i'] }), await h.register('fcm', { interests: ['i'] }), await h.register('web', { interests: ['i'] })];
    const dead = [await h.register('apns', { interests: ['i'] }), await h.register('fcm', { interests: ['i'] }), await h.register('web', { interests: ['i'] })];
    for (const d of dead) {
      if (d.platform === 'apns') h.fakes.apns.faults.add(d.token, { kind: 'unregistered' });
      if (d.platform === 'fcm') h.fakes.fcm.faults.add(d.token, { kind: 'unregistered' });
      if (d.platform === 'web') h.fakes.web.unsubscribe(d.subscription);
    }
    const id = await h.publish({ interests: ['i'] });
    await queue.idle();
    for (const d of alive) expect(h.received(d)).toBe(1);
    for (const d of dead) expect(await h.devices.get(h.app, d.id)).toBeUndefined();
    expect((await h.devices.devicesByInterest(h.app, 'i')).items.map((d) => d.id).sort()).toEqual(alive.map((d) => d.id).sort());
    expect(await h.statuses.get(h.app, id)).toMatchObject({ state: 'completed', recipients: 6, delivered: 3, removed: 3 });
    expect(await h.registry.metrics()).toContain('t_push_notifications_total{provider="web",outcome="invalid_token"} 1');
    const logs = h.logs.join('');
    for (const d of dead) expect(logs).not.toContain(d.platform === 'web' ? d.subscription.keys.auth : d.token);
  });

  it('keeps a device whose token was refreshed while a send to its old token was in flight', async () => {
    const fresh = hexToken();
    // why: the registration changes while the provider request is under way, as when an app refreshes its token.
    const refreshing: PushProvider = {
      platform: 'apns',
      send: async (request) => {
        await h.devices.update(h.app, request.device.id, { token: fresh });
        return h.fakes.providers.provider(h.app, 'apns')!.send(request);
      },
      close: async () => undefined,
    };
    await start({ providers: { provider: (_app, platform) => (platform === 'apns' ? refreshing : undefined), close: async () => undefined } });
    const phone = await h.register('apns', { interests: ['t'] });
    h.fakes.apns.faults.add(phone.platform === 'apns' ? phone.token : '', { kind: 'unregistered' });
    await h.publish({ interests: ['t'] });
    await queue.idle();
    expect(await h.devices.get(h.app, phone.id)).toMatchObject({ token: fresh, interests: ['t'] });
  });

  it('retries throttled and failing devices after Retry-After, without sending twice to their batch neighbours', async () => {
    await start({ batchSize: 10 });
    const phones = [await h.register('fcm', { interests: ['r'] }), await h.register('fcm', { interests: ['r'] }), await h.register('fcm', { interests: ['r'] })];
    const [throttled, failing, fine] = phones.map((d) => (d.platform === 'fcm' ? d.token : ''));
    h.fakes.fcm.faults.add(throttled!, { kind: 'throttle', retryAfterSeconds: 1 }, 1);
    h.fakes.fcm.faults.add(failing!, { kind: 'error', status: 500 }, 2);
    // why: record the delay each retry is queued with; the memory queue holds a job for its delay (its own tests
    // show that), so the schedule shows the wait without timing it.
    const retries: Array<{ devices: string[]; delayMs: number | undefined }> = [];
    const add = queue.add.bind(queue);
    queue.add = async (job, options) => {
      if (job.kind === 'deliver' && job.attempt > 1) retries.push({ devices: [...job.device_ids], delayMs: options?.delayMs });
      return add(job, options);
    };
    const id = await h.publish({ interests: ['r'] });
    await queue.idle();
    for (const d of phones) expect(h.received(d)).toBe(1);
    expect(h.fakes.fcm.delivered(fine!)).toHaveLength(1);
    // the throttled device's retry waits for the provider's Retry-After (1 s), longer than the back-off (<= 100 ms)
    const throttledRetry = retries.find((r) => r.devices.includes(phones[0]!.id));
    expect(throttledRetry?.delayMs).toBeGreaterThanOrEqual(1000);
    expect(retries.every((r) => !r.devices.includes(phones[2]!.id))).toBe(true);
    expect(await h.statuses.get(h.app, id)).toMatchObject({ state: 'completed', delivered: 3 });
    expect(await h.registry.metrics()).toContain('t_push_notifications_total{provider="fcm",outcome="retry"} 3');
  });

  it('keeps refused deliveries as dead letters that replay delivers, and refuses publishes over the limits', async () => {
    await start({ maxRecipients: 3 });
    const refused = await h.register('apns', { interests: ['d'] });
    const fine = await h.register('web', { interests: ['d'] });
    h.fakes.apns.faults.add(refused.platform === 'apns' ? refused.token : '', { kind: 'error', status: 400, reason: 'BadMessageId' }, 1);
    const id = await h.publish({ interests: ['d'] });
    await queue.idle();
    const letters = new PushDeadLetters(queue, h.statuses);
    const [letter, ...more] = await letters.list(h.app);
    expect(more).toEqual([]);
    expect(letter).toMatchObject({ publish_id: id, kind: 'deliver', platform: 'apns', devices: 1, error: 'apns refused it: BadMessageId' });
    expect(await h.statuses.get(h.app, id)).toMatchObject({ state: 'completed', delivered: 1, failed: 1 });
    expect(await letters.replay(h.app, letter!.id)).toBe(true);
    await queue.idle();
    expect([h.received(refused), h.received(fine)]).toEqual([1, 1]);
    expect(await h.statuses.get(h.app, id)).toMatchObject({ state: 'completed', delivered: 2, failed: 0 });
    expect(await letters.list(h.app)).toEqual([]);

    for (let i = 0; i < 3; i++) await h.register('fcm', { interests: ['crowd'] });
    const crowded = await h.publish({ interests: ['crowd', 'd'] });
    const huge = await h.publish({ interests: ['d'] }, { web: { data: { blob: 'x'.repeat(5000) } } });
    await queue.idle();
    expect(await h.statuses.get(h.app, crowded)).toMatchObject({ state: 'refused', error: 'the publish reaches more than max_recipients_per_publish (3) devices' });
    expect(await h.statuses.get(h.app, huge)).toMatchObject({ state: 'refused', error: 'the web payload is 5038 bytes; the limit is 3993' });
    expect((await letters.list(h.app)).map((l) => [l.kind, l.publish_id]).sort()).toEqual([['publish', crowded], ['publish', huge]].sort());
    expect([h.received(refused), h.received(fine)]).toEqual([1, 1]);
  });

  it('counts devices whose notification expired before it could be sent', async () => {
    await start();
    const late = await h.register('apns', { interests: ['e'] });
    const expired = await h.publish({ interests: ['e'] }, NOTE, 0);
    await queue.idle();
    expect(h.received(late)).toBe(0);
    expect(await h.statuses.get(h.app, expired)).toMatchObject({ state: 'completed', recipients: 1, expired: 1 });
    expect(await h.registry.metrics()).toContain('t_push_notifications_total{provider="apns",outcome="expired"} 1');
  });

  it('counts a device deleted between planning and delivery as removed, without asking its provider', async () => {
    await start();
    const phone = await h.register('apns', { interests: ['gone'] });
    const kept = await h.register('apns', { interests: ['gone'] });
    await h.devices.delete(h.app, phone.id);
    const id = newPublishId();
    await h.statuses.planned(h.app, id, 2);
    const job: PushDeliverJob = { v: 1, kind: 'deliver', app_id: h.app, publish_id: id, platform: 'apns', device_ids: [phone.id, kept.id], notification: NOTE, expires_at: Date.now() + 60_000, attempt: 1 };
    await h.worker.handle(job, { id: 'direct', attempt: 1, firstAttemptAt: Date.now() });
    expect(await h.statuses.get(h.app, id)).toMatchObject({ state: 'completed', delivered: 1, removed: 1 });
    expect(h.fakes.apns.deliveries.map((d) => d.token)).toEqual([kept.platform === 'apns' ? kept.token : '']);
  });

  it('keeps deliveries for a platform without a provider as dead letters', async () => {
    await start({ providers: { provider: () => undefined, close: async () => undefined } });
    const phone = await h.register('apns', { interests: ['n'] });
    const id = await h.publish({ interests: ['n'] });
    await queue.idle();
    expect(h.received(phone)).toBe(0);
    expect(await h.statuses.get(h.app, id)).toMatchObject({ state: 'completed', failed: 1 });
    expect((await new PushDeadLetters(queue, h.statuses).list(h.app)).map((l) => l.error)).toEqual(['no apns provider is configured']);
  });
});
