import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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
  // why: fake timers make "after the duration" a fact of the batching rule, not of how busy the machine is.
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends one batch per app and endpoint once the duration passes, never mixing apps', async () => {
    const sent: Batch[] = [];
    const batcher = new Batcher(50, 100, async (b) => void sent.push(b));
    const all = Promise.all([
      batcher.add(appA, job(appA, 'a1')),
      batcher.add(appB, job(appB, 'b1')),
      batcher.add(appA, job(appA, 'a2')),
      batcher.add(appA, job(appA, 'a3', 'http://other.test/')),
    ]);
    await vi.advanceTimersByTimeAsync(49);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await all;
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
    const settled = Promise.allSettled([batcher.add(appA, job(appA, 'x')), batcher.add(appA, job(appA, 'y'))]);
    // the second add filled the batch: it went out then, with no timer fired, and its timer is gone
    expect(calls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    const results = await settled;
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
