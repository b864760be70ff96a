import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APP_DEFAULTS, asAppId, type App, type AppStore } from '@sockudo-ts/shared';

/** AppStoreHandle is a store serving exactly the given apps, and how to dispose of it. */
export interface AppStoreHandle {
  store: AppStore;
  dispose(): Promise<void>;
}

/** CONTRACT_APPS are the apps every store is seeded with: every field away from its default, and a plain one. */
export const CONTRACT_APPS: App[] = [
  {
    ...APP_DEFAULTS,
    id: asAppId('full'),
    key: 'full-key',
    secret: 'full-secret',
    enabled: false,
    max_connections: 50,
    enable_client_messages: true,
    enable_user_authentication: true,
    enable_watchlist_events: true,
    enable_subscription_count_events: true,
    enable_authorized_connections: true,
    max_client_events_per_second: 5,
    max_presence_members_per_channel: 20,
    max_presence_member_size_in_kb: 2,
    max_presence_user_id_length: 64,
    max_channel_name_length: 150,
    max_event_channels_at_once: 40,
    max_event_name_length: 120,
    max_event_payload_in_kb: 32,
    max_event_batch_size: 4,
    allowed_origins: ['https://example.com', 'https://*.example.org'],
    webhooks: [
      { url: 'https://hooks.example.com/pusher', event_types: ['channel_occupied', 'channel_vacated'], headers: { 'X-Token': 'abc' }, filter: { channel_prefix: 'private-' } },
      { url: 'http://127.0.0.1:9/hook', event_types: ['client_event'], headers: {} },
    ],
  },
  { ...APP_DEFAULTS, id: asAppId('plain'), key: 'plain-key', secret: 'plain-secret' },
  { ...APP_DEFAULTS, id: asAppId('ünïcode-app'), key: 'ключ', secret: 's' },
];

/**
 * describeAppStoreContract runs the AppStore port's contract against one implementation: `make` returns a
 * store holding CONTRACT_APPS and nothing else. `answersNow` says whether the store answers without waiting
 * (and so must have `byIdNow`), or waits on its backend (and must not claim to answer synchronously).
 */
export function describeAppStoreContract(name: string, answersNow: boolean, make: (apps: App[]) => Promise<AppStoreHandle>): void {
  describe(`AppStore contract: ${name}`, () => {
    let handle: AppStoreHandle;
    let store: AppStore;
    beforeEach(async () => {
      handle = await make(CONTRACT_APPS);
      store = handle.store;
    });
    afterEach(async () => {
      await handle.dispose();
    });

    it('finds an app by id and by key with every field as stored', async () => {
      for (const app of CONTRACT_APPS) {
        expect(await store.byId(app.id)).toEqual(app);
        expect(await store.byKey(app.key)).toEqual(app);
      }
    });

    it('answers undefined for an unknown id or key, however often it is asked', async () => {
      for (let i = 0; i < 3; i++) {
        expect(await store.byId(asAppId('no-such-app'))).toBeUndefined();
        expect(await store.byKey('no-such-key')).toBeUndefined();
      }
      expect(await store.byKey('full-secret')).toBeUndefined();
      expect(await store.byId(asAppId('full-key'))).toBeUndefined();
    });

    if (answersNow) {
      it('answers byIdNow as byId does', async () => {
        expect(store.byIdNow).toBeTypeOf('function');
        for (const app of CONTRACT_APPS) expect(store.byIdNow!(app.id)).toBe(await store.byId(app.id));
        expect(store.byIdNow!(asAppId('no-such-app'))).toBeUndefined();
      });
    } else {
      it('has no byIdNow: it waits on its backend to answer', () => {
        expect(store.byIdNow).toBeUndefined();
      });
    }

    it('lists every app', async () => {
      const all = await store.all();
      expect([...all].sort((a, b) => a.id.localeCompare(b.id))).toEqual([...CONTRACT_APPS].sort((a, b) => a.id.localeCompare(b.id)));
    });

    it('answers concurrent lookups of the same app alike', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store.byKey('plain-key') : store.byId(asAppId('plain')))));
      for (const app of answers) expect(app).toEqual(CONTRACT_APPS[1]);
    });
  });
}
