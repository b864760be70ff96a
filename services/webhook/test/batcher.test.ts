import { describe, expect, it } from 'vitest';
import { APP_DEFAULTS, asAppId, asChannelName, type App, type DeliverJob } from '@sockudo-ts/shared';
import { Batcher, type Batch } from '@sockudo-ts/webhook';

const appA: App = { ...APP_DEFAULTS, id: asAppId('a'), key: 'ka', secret: 'sa' };
const appB: App = { ...APP_DEFAULTS, id: asAppId('b'), key: 'kb', secret: 'sb' };
const job = (app: App, channel: string, url = 'http://h.test/'): DeliverJob => ({
  v: 1,
  kind: 'deliver',
  app_id: app.id,
  url,
  headers: {},
  event: { name: 'channel_occupied', channel: asChannelName(channel) },
});

describe('Batcher', () => {
  it('sends one batch per app and endpoint after the duration, never mixing apps', async () => {
    const sent: Batch[] = [];
    const batcher = new Batcher(50, 100, async (b) => void sent.push(b));
    await Promise.all([
      batcher.add(appA, job(appA, 'a1')),
      batcher.add(appB, job(appB, 'b1')),
      batcher.add(appA, job(appA, 'a2')),
      batcher.add(appA, job(appA, 'a3', 'http://other.test/')),
    ]);
    expect(sent.map((b) => [b.app.id, b.url, b.events.map((e) => e.channel)])).toEqual([
      ['a', 'http://h.test/', ['a1', 'a2']],
      ['b', 'http://h.test/', ['b1']],
      ['a', 'http://other.test/', ['a3']],
    ]);
  });

  it('sends a full batch at once and fails every job of a failed batch', async () => {
    let calls = 0;
    const batcher = new Batcher(10_000, 2, async () => {
      calls++;
      throw new Error('HTTP 503');
    });
    const started = Date.now();
    const results = await Promise.allSettled([batcher.add(appA, job(appA, 'x')), batcher.add(appA, job(appA, 'y'))]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(calls).toBe(1);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
