import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asAppId, newPublishId, type PublishStatusStore } from '@sockudo-ts/shared';

/** PublishStatusHandle is a fresh status store keeping statuses `ttlSeconds`, and how to dispose of it. */
export interface PublishStatusHandle {
  store: PublishStatusStore;
  dispose(): Promise<void>;
}

/**
 * describePublishStatusStoreContract runs the PublishStatusStore port's contract: the state a publish goes
 * through as workers report on it, per app, kept for the TTL after its last change. `make` gets the TTL.
 */
export function describePublishStatusStoreContract(name: string, make: (ttlSeconds: number) => Promise<PublishStatusHandle>): void {
  describe(`PublishStatusStore contract: ${name}`, () => {
    let handle: PublishStatusHandle;
    let store: PublishStatusStore;
    const app = asAppId(`app-${randomBytes(4).toString('hex')}`);
    beforeEach(async () => {
      handle = await make(2);
      store = handle.store;
    });
    afterEach(async () => {
      await handle.dispose();
    });

    it('goes from queued to delivering to completed as outcomes add up to the recipients', async () => {
      const id = newPublishId();
      expect(await store.get(app, id)).toBeUndefined();
      await store.accepted(app, id);
      expect(await store.get(app, id)).toMatchObject({ publish_id: id, app_id: app, state: 'queued', delivered: 0, removed: 0, failed: 0, expired: 0 });
      await store.record(app, id, 'delivered', 3);
      await store.planned(app, id, 6);
      expect(await store.get(app, id)).toMatchObject({ state: 'delivering', recipients: 6, delivered: 3 });
      await Promise.all([store.record(app, id, 'removed', 1), store.record(app, id, 'failed', 1), store.record(app, id, 'expired', 1)]);
      expect(await store.get(app, id)).toMatchObject({ state: 'completed', recipients: 6, delivered: 3, removed: 1, failed: 1, expired: 1 });
      await store.record(app, id, 'failed', -1);
      expect((await store.get(app, id))?.state).toBe('delivering');
    });

    it('reports a refused publish with its reason, and keeps apps apart', async () => {
      const id = newPublishId();
      await store.refused(app, id, 'too many recipients');
      expect(await store.get(app, id)).toMatchObject({ state: 'refused', error: 'too many recipients' });
      expect(await store.get(asAppId('someone-else'), id)).toBeUndefined();
    });

    it('forgets a status once the TTL has passed since its last change', async () => {
      const id = newPublishId();
      await store.accepted(app, id);
      await new Promise((r) => setTimeout(r, 1200));
      await store.record(app, id, 'delivered', 1);
      // why: 2.4 s after it was accepted, past the 2 s TTL had the record not renewed it.
      await new Promise((r) => setTimeout(r, 1200));
      expect((await store.get(app, id))?.delivered).toBe(1);
      await new Promise((r) => setTimeout(r, 1200));
      expect(await store.get(app, id)).toBeUndefined();
    });
  });
}
