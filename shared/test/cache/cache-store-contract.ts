import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CacheStore } from '@sockudo-ts/shared';

/** CacheHandle is a fresh, empty cache store for one test and how to dispose of it. */
export interface CacheHandle {
  store: CacheStore;
  dispose(): Promise<void>;
}

/** describeCacheStoreContract runs the CacheStore port's contract: values, TTLs, set-if-absent, delete. */
export function describeCacheStoreContract(name: string, make: () => Promise<CacheHandle>): void {
  describe(`CacheStore contract: ${name}`, () => {
    let handle: CacheHandle;
    let store: CacheStore;
    beforeEach(async () => {
      handle = await make();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.dispose();
    });

    it('stores a value with its remaining TTL in whole seconds', async () => {
      expect(await store.get('k')).toBeUndefined();
      await store.set('k', '{"event":"e","data":"ü"}', 30);
      expect(await store.get('k')).toEqual({ value: '{"event":"e","data":"ü"}', ttlSeconds: 30 });
      await store.set('k', 'v2', 10);
      expect(await store.get('k')).toEqual({ value: 'v2', ttlSeconds: 10 });
    });

    it('sets only absent keys with setIfAbsent, and deletes', async () => {
      expect(await store.setIfAbsent('m', '1', 30)).toBe(true);
      expect(await store.setIfAbsent('m', '2', 30)).toBe(false);
      expect((await store.get('m'))?.value).toBe('1');
      await store.delete('m');
      expect(await store.get('m')).toBeUndefined();
      expect(await store.setIfAbsent('m', '3', 30)).toBe(true);
    });

    it('forgets a value once its TTL has passed', async () => {
      await store.set('short', 'x', 1);
      await new Promise((r) => setTimeout(r, 1100));
      expect(await store.get('short')).toBeUndefined();
      expect(await store.setIfAbsent('short', 'y', 1)).toBe(true);
    });
  });
}
