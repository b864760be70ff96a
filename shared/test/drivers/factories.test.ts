import { describe, expect, it } from 'vitest';
import {
  MemoryAppStore,
  MemoryBus,
  MemoryCacheStore,
  MemoryJobQueue,
  MemoryPresenceStore,
  asAppId,
  asChannelName,
  buildConfig,
  createLogger,
  openAppStore,
  openBus,
  openCache,
  openPresenceStore,
  openQueue,
  DEFAULT_RETRY,
} from '@sockudo-ts/shared';
import { deleteKeys } from '../../../tests/kit/cluster.js';
import { NATS, REDIS, servicesUp, uniquePrefix } from '../../../tests/kit/services.js';

const logger = createLogger({ level: 'silent', service: 'test' });

const up = await servicesUp('driver factories', NATS, REDIS);

describe('driver factories', () => {
  it('open the in-process drivers by default, with nothing to probe', async () => {
    const config = buildConfig([], {});
    const bus = await openBus(config, { logger });
    const cache = await openCache(config);
    const queue = await openQueue('webhooks', config, { retry: DEFAULT_RETRY });
    const store = await openPresenceStore(config, 'memory');
    const apps = await openAppStore(config);
    expect(bus.port).toBeInstanceOf(MemoryBus);
    expect(cache.port).toBeInstanceOf(MemoryCacheStore);
    expect(queue.port).toBeInstanceOf(MemoryJobQueue);
    expect(store.port).toBeInstanceOf(MemoryPresenceStore);
    expect(apps.port).toBeInstanceOf(MemoryAppStore);
    expect(await apps.port.byId(asAppId('app-id'))).toMatchObject({ key: 'app-key' });
    for (const d of [bus, cache, queue, store, apps]) {
      expect(d.probe).toBeUndefined();
      await d.close();
    }
  });

  it.skipIf(!up)('open NATS and Redis drivers when the config names them, each with a readiness probe', async () => {
    const prefix = uniquePrefix('drv');
    const env = { ADAPTER_DRIVER: 'nats', NATS_PREFIX: prefix, CACHE_DRIVER: 'redis', QUEUE_DRIVER: 'redis', REDIS_KEY_PREFIX: `${prefix}:`, QUEUE_REDIS_PREFIX: `${prefix}q` };
    const config = buildConfig([], env);
    const bus = await openBus(config, { logger });
    const cache = await openCache(config);
    const queue = await openQueue<{ v: 1 }>('webhooks', config, { retry: DEFAULT_RETRY });
    const store = await openPresenceStore(config, 'redis');
    try {
      expect(bus.port.constructor.name).toBe('NatsBus');
      expect([bus.probe?.name, cache.probe?.name, queue.probe?.name, store.probe?.name]).toEqual(['nats', 'redis', 'redis', 'redis']);
      expect([bus.probe!.ready(), cache.probe!.ready(), queue.probe!.ready(), store.probe!.ready()]).toEqual([true, true, true, true]);
      // the ports work: a message goes round the bus, a value round the cache
      const got: string[] = [];
      const sub = await bus.port.subscribe(asAppId('a'), asChannelName('c'), (m) => got.push(m.frame));
      await bus.port.publish(asAppId('a'), asChannelName('c'), { frame: '{"event":"x"}' });
      await cache.port.set('k', 'v', 60);
      expect(await cache.port.get('k')).toMatchObject({ value: 'v' });
      await new Promise((r) => setTimeout(r, 100));
      expect(got).toEqual(['{"event":"x"}']);
      await sub.unsubscribe();
    } finally {
      for (const d of [store, queue, cache, bus]) await d.close();
      await deleteKeys(`redis://${REDIS.host}:${REDIS.port}`, prefix);
    }
    expect(bus.probe!.ready()).toBe(false);
    expect(cache.probe!.ready()).toBe(false);
  });
});
