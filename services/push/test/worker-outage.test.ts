import { afterEach, describe, expect, it } from 'vitest';
import { MemoryJobQueue, type Device, type PushJob } from '@sockudo-ts/shared';
import { binariesPresent } from '../../../tests/kit/services.js';
import { sleep } from '../../../tests/kit/clients.js';
import { OPENSSL } from './fakes/tls.js';
import { startHarness, type PushHarness } from './harness.js';

const present = binariesPresent('push worker outage', OPENSSL);

describe.skipIf(!present)('PushWorker while every provider is down for 10 s', () => {
  let queue: MemoryJobQueue<PushJob>;
  let h: PushHarness;
  afterEach(async () => {
    await queue.close();
    await h.close();
  });

  it('loses nothing: every device gets the notification once when the providers come back', async () => {
    queue = new MemoryJobQueue<PushJob>();
    h = await startHarness(queue, { batchSize: 4 });
    const devices: Device[] = [];
    for (const platform of ['apns', 'fcm', 'web'] as const) for (let i = 0; i < 10; i++) devices.push(await h.register(platform, { interests: ['outage'] }));

    await h.fakes.down();
    const id = await h.publish({ interests: ['outage'] });
    await sleep(10_000);
    expect(await h.statuses.get(h.app, id)).toMatchObject({ state: 'delivering', recipients: 30, delivered: 0, failed: 0 });
    expect(await queue.depth()).toBeGreaterThan(0);
    await h.fakes.up();
    await queue.idle();

    for (const device of devices) expect(h.received(device), `${device.platform} ${device.id}`).toBe(1);
    expect(await h.statuses.get(h.app, id)).toMatchObject({ state: 'completed', recipients: 30, delivered: 30, failed: 0, expired: 0 });
    expect(await queue.deadLetters()).toEqual([]);
    expect(h.fakes.problems()).toEqual([]);
    const metrics = await h.registry.metrics();
    for (const provider of ['apns', 'fcm', 'web']) expect(metrics).toMatch(new RegExp(`t_push_notifications_total\\{provider="${provider}",outcome="retry"\\} [1-9]`));
  }, 60_000);
});
