import { describe, expect, it } from 'vitest';
import { asAppId, asChannelName, buildConfig, MemoryHistoryStore, retentionRules, type AppId } from '@sockudo-ts/shared';

describe('history retention rules', () => {
  it('reads [history] and the apps\' history overrides from the config, and refuses unknown override keys', () => {
    const config = buildConfig(
      [{ name: 't', values: { history: { retention_seconds: 600, max_items_per_channel: 50 }, app_manager: { driver: 'memory', array: { apps: [{ id: 'a', key: 'k', secret: 's', history: { max_items_per_channel: 3 } }, { id: 'b', key: 'k2', secret: 's2' }] } } } }],
      {},
    );
    expect(retentionRules(config.history, config.app_manager.array.apps)).toEqual([
      { maxAgeMs: 600_000, maxItemsPerChannel: 3, apps: ['a'] },
      { maxAgeMs: 600_000, maxItemsPerChannel: 50, exceptApps: ['a'] },
    ]);
    expect(retentionRules(config.history)).toEqual([{ maxAgeMs: 600_000, maxItemsPerChannel: 50 }]);
    expect(() => buildConfig([{ name: 't', values: { app_manager: { driver: 'memory', array: { apps: [{ id: 'a', key: 'k', secret: 's', history: { size: 1 } }] } } } }], {})).toThrow(/history\.size: unknown key/);
  });

  it('an app\'s override applies to that app and the server\'s rule to every other', async () => {
    const store = new MemoryHistoryStore();
    const ch = asChannelName('c');
    const fill = (app: AppId) => store.append(Array.from({ length: 10 }, (_, i) => ({ app_id: app, channel: ch, serial: i + 1, stream_id: 's', message_id: `m${i}`, event: 'e', data: '', published_at_ms: Date.now() })));
    await fill(asAppId('a'));
    await fill(asAppId('b'));
    const now = Date.now();
    for (const rule of retentionRules({ retention_seconds: 3600, max_items_per_channel: 6 }, [{ id: asAppId('a'), history: { max_items_per_channel: 2 } }])) await store.retain(rule, now);
    expect((await store.read(asAppId('a'), ch)).items.map((i) => i.serial)).toEqual([10, 9]);
    expect((await store.read(asAppId('b'), ch)).items).toHaveLength(6);
  });
});
