import { describe, expect, it } from 'vitest';
import { MemoryPublishStatusStore, asAppId, buildConfig, newPublishId, openPublishStatusStore } from '@sockudo-ts/shared';
import { REDIS, servicesUp, uniquePrefix } from '../../../tests/kit/services.js';

const up = await servicesUp('push driver factories', REDIS);

describe('openPublishStatusStore', () => {
  it('opens the in-process store with nothing to probe', async () => {
    const opened = await openPublishStatusStore(buildConfig([], {}), 'memory', 60);
    expect(opened.port).toBeInstanceOf(MemoryPublishStatusStore);
    expect(opened.probe).toBeUndefined();
    await opened.close();
  });

  it.skipIf(!up)('opens the Redis store under the key prefix, with a readiness probe, shared by every opener', async () => {
    const prefix = `${uniquePrefix('pst')}:`;
    const config = buildConfig([], { REDIS_KEY_PREFIX: prefix });
    const worker = await openPublishStatusStore(config, 'redis', 60);
    const api = await openPublishStatusStore(config, 'redis', 60);
    try {
      expect([worker.probe?.name, worker.probe?.ready()]).toEqual(['redis', true]);
      const id = newPublishId();
      await worker.port.planned(asAppId('a'), id, 2);
      await worker.port.record(asAppId('a'), id, 'delivered', 2);
      expect(await api.port.get(asAppId('a'), id)).toMatchObject({ state: 'completed', delivered: 2 });
      const { RedisPublishStatusStore } = await import('@sockudo-ts/shared/implementations');
      expect(worker.port).toBeInstanceOf(RedisPublishStatusStore);
      if (worker.port instanceof RedisPublishStatusStore) await worker.port.clear();
    } finally {
      await worker.close();
      await api.close();
    }
  });
});
