import { afterEach, describe, expect, it } from 'vitest';
import { MemoryJobQueue, type Device, type PushJob } from '@sockudo-ts/shared';
import { binariesPresent } from '../../../tests/kit/services.js';
import { OPENSSL } from './fakes/tls.js';
import { startHarness, type PushHarness } from './harness.js';

const present = binariesPresent('push worker fan-out', OPENSSL);

describe.skipIf(!present)('PushWorker fanning one publish out to 10,000 devices', () => {
  let queue: MemoryJobQueue<PushJob>;
  let h: PushHarness;
  afterEach(async () => {
    await queue.close();
    await h.close();
  });

  it('delivers to all 10,000 devices of one interest, each once', async () => {
    queue = new MemoryJobQueue<PushJob>();
    // why: fakes and worker share this process; on a starved machine an answer can take longer than the
    // default timeout, and the retry would then deliver twice (correct at-least-once, not what this counts).
    h = await startHarness(queue, {}, 120_000);
    const devices: Device[] = [];
    const mix = { apns: 4000, fcm: 4000, web: 2000 } as const;
    for (const [platform, count] of Object.entries(mix) as Array<['apns' | 'fcm' | 'web', number]>) {
      for (let i = 0; i < count; i++) devices.push(await h.register(platform, { interests: ['everyone'] }));
    }
    const id = await h.publish({ interests: ['everyone'] });
    await queue.idle();
    expect(await h.statuses.get(h.app, id)).toMatchObject({ state: 'completed', recipients: 10_000, delivered: 10_000, failed: 0, removed: 0, expired: 0 });
    expect([h.fakes.apns.deliveries.length, h.fakes.fcm.messages.length, h.fakes.web.deliveries.length]).toEqual([4000, 4000, 2000]);
    expect(devices.map((d) => h.received(d)).filter((count) => count !== 1)).toEqual([]);
    expect(h.fakes.problems()).toEqual([]);
  }, 120_000);
});
