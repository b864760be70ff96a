import { describe, expect, it } from 'vitest';
import { loadConfig, type App } from '@sockudo-ts/shared';
import { tempCwd } from './helpers.js';

const load = (files: Record<string, string>, argv: string[], env: Record<string, string> = {}) => loadConfig({ argv, env, cwd: tempCwd(files) });

// Every app field issue 2 lists, with a non-default value.
const FULL_TOML = `
[[app_manager.array.apps]]
id = "full"
key = "full-key"
secret = "full-secret"
enabled = false
max_connections = 50
enable_client_messages = true
enable_user_authentication = true
enable_watchlist_events = true
enable_subscription_count_events = true
max_client_events_per_second = 5
max_presence_members_per_channel = 20
max_presence_member_size_in_kb = 2
max_channel_name_length = 150
max_event_channels_at_once = 40
max_event_name_length = 120
max_event_payload_in_kb = 32
max_event_batch_size = 4
allowed_origins = ["https://example.com", "https://*.example.org"]

[[app_manager.array.apps.webhooks]]
url = "https://hooks.example.com/pusher"
event_types = ["channel_occupied", "channel_vacated"]
headers = { "X-Token" = "abc" }
filter = { channel_prefix = "private-" }

[[app_manager.array.apps]]
id = "minimal"
key = "minimal-key"
secret = "minimal-secret"
`;

const FULL_VALUES: Partial<App> = {
  enabled: false,
  max_connections: 50,
  enable_client_messages: true,
  enable_user_authentication: true,
  enable_watchlist_events: true,
  enable_subscription_count_events: true,
  max_client_events_per_second: 5,
  max_presence_members_per_channel: 20,
  max_presence_member_size_in_kb: 2,
  max_channel_name_length: 150,
  max_event_channels_at_once: 40,
  max_event_name_length: 120,
  max_event_payload_in_kb: 32,
  max_event_batch_size: 4,
  allowed_origins: ['https://example.com', 'https://*.example.org'],
  webhooks: [
    {
      url: 'https://hooks.example.com/pusher',
      event_types: ['channel_occupied', 'channel_vacated'],
      headers: { 'X-Token': 'abc' },
      filter: { channel_prefix: 'private-' },
    },
  ],
};

// Pusher's limits, which an app that sets nothing must get.
const PUSHER_DEFAULTS: Partial<App> = {
  enabled: true,
  max_connections: 0,
  enable_client_messages: false,
  enable_user_authentication: false,
  enable_watchlist_events: false,
  enable_subscription_count_events: false,
  max_client_events_per_second: 10,
  max_presence_members_per_channel: 100,
  max_presence_member_size_in_kb: 1,
  max_channel_name_length: 200,
  max_event_channels_at_once: 100,
  max_event_name_length: 200,
  max_event_payload_in_kb: 10,
  max_event_batch_size: 10,
  allowed_origins: [],
  webhooks: [],
};

describe('app definitions', () => {
  it('parses every app field from TOML [[app_manager.array.apps]]', () => {
    const [full, minimal] = load({ 'a.toml': FULL_TOML }, ['--config', 'a.toml']).app_manager.array.apps;
    expect(full).toMatchObject({ id: 'full', key: 'full-key', secret: 'full-secret', ...FULL_VALUES });
    expect(minimal).toMatchObject({ id: 'minimal', key: 'minimal-key', secret: 'minimal-secret', ...PUSHER_DEFAULTS });
  });

  it('parses every app field from JSON {"app_manager":{"array":{"apps":[...]}}}', () => {
    const json = JSON.stringify({
      app_manager: { array: { apps: [{ id: 'full', key: 'full-key', secret: 'full-secret', ...FULL_VALUES }, { id: 7, key: 'k7', secret: 's7' }] } },
    });
    const [full, numeric] = load({ 'a.json': json }, ['--config', 'a.json']).app_manager.array.apps;
    expect(full).toMatchObject({ id: 'full', ...FULL_VALUES });
    expect(numeric).toMatchObject({ id: '7', key: 'k7', secret: 's7', ...PUSHER_DEFAULTS });
  });

  it('gives an app that sets nothing else Pusher\'s limits', () => {
    const [app] = load({ 'a.toml': '[[app_manager.array.apps]]\nid = "a"\nkey = "b"\nsecret = "c"\n' }, ['--config', 'a.toml']).app_manager.array.apps;
    expect(app).toMatchObject(PUSHER_DEFAULTS);
  });

  it('takes the apps of the highest file that defines any', () => {
    const files = {
      'config/config.toml': '[[app_manager.array.apps]]\nid = "base"\nkey = "base-key"\nsecret = "s"\n',
      'over.toml': '[[app_manager.array.apps]]\nid = "over"\nkey = "over-key"\nsecret = "s"\n',
      'plain.toml': 'port = 7001\n',
    };
    expect(load(files, ['--config', 'over.toml']).app_manager.array.apps.map((a) => a.id)).toEqual(['over']);
    expect(load(files, ['--config', 'plain.toml']).app_manager.array.apps.map((a) => a.id)).toEqual(['base']);
  });

  it('accepts "array" as an alias of the memory driver', () => {
    expect(load({ 'a.toml': '[app_manager]\ndriver = "array"\n' }, ['--config', 'a.toml']).app_manager.driver).toBe('memory');
  });
});

describe('the default app', () => {
  it('is app-id / app-key / app-secret with Pusher defaults when no app is configured', () => {
    const apps = load({}, []).app_manager.array.apps;
    expect(apps).toHaveLength(1);
    expect(apps[0]).toMatchObject({ id: 'app-id', key: 'app-key', secret: 'app-secret', ...PUSHER_DEFAULTS });
  });

  it('is not added when a file configures apps', () => {
    const apps = load({ 'a.toml': FULL_TOML }, ['--config', 'a.toml']).app_manager.array.apps;
    expect(apps.map((a) => a.id)).toEqual(['full', 'minimal']);
  });

  it('takes every SOCKUDO_DEFAULT_APP_* variable', () => {
    const env = {
      SOCKUDO_DEFAULT_APP_ID: 'env-id',
      SOCKUDO_DEFAULT_APP_KEY: 'env-key',
      SOCKUDO_DEFAULT_APP_SECRET: 'env-secret',
      SOCKUDO_DEFAULT_APP_ENABLED: 'false',
      SOCKUDO_DEFAULT_APP_MAX_CONNECTIONS: '12',
      SOCKUDO_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'true',
      SOCKUDO_DEFAULT_APP_ENABLE_USER_AUTHENTICATION: 'true',
    };
    const apps = load({}, [], env).app_manager.array.apps;
    expect(apps).toHaveLength(1);
    expect(apps[0]).toMatchObject({
      id: 'env-id',
      key: 'env-key',
      secret: 'env-secret',
      enabled: false,
      max_connections: 12,
      enable_client_messages: true,
      enable_user_authentication: true,
      max_event_payload_in_kb: 10,
    });
  });

  it('takes SOCKUDO_DEFAULT_APP_<FIELD> for every other app field, and Sockudo\'s SOCKUDO_ENABLE_CLIENT_MESSAGES', () => {
    const env = {
      SOCKUDO_DEFAULT_APP_MAX_EVENT_PAYLOAD_IN_KB: '100',
      SOCKUDO_DEFAULT_APP_ALLOWED_ORIGINS: 'https://a.example, https://*.b.example',
      SOCKUDO_DEFAULT_APP_MAX_PRESENCE_MEMBERS_PER_CHANNEL: '50',
      SOCKUDO_DEFAULT_APP_ENABLE_WATCHLIST_EVENTS: 'true',
      SOCKUDO_ENABLE_CLIENT_MESSAGES: 'true',
    };
    const [app] = load({}, [], env).app_manager.array.apps;
    expect(app).toMatchObject({
      id: 'app-id',
      max_event_payload_in_kb: 100,
      allowed_origins: ['https://a.example', 'https://*.b.example'],
      max_presence_members_per_channel: 50,
      enable_watchlist_events: true,
      enable_client_messages: true,
    });
    const both = load({}, [], { SOCKUDO_ENABLE_CLIENT_MESSAGES: 'true', SOCKUDO_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'false' });
    expect(both.app_manager.array.apps[0]!.enable_client_messages).toBe(false);
  });

  it('keeps the app-id defaults for variables not given', () => {
    const [app] = load({}, [], { SOCKUDO_DEFAULT_APP_SECRET: 'only-secret' }).app_manager.array.apps;
    expect(app).toMatchObject({ id: 'app-id', key: 'app-key', secret: 'only-secret', enabled: true });
  });

  it('adds the environment\'s app next to the apps of a file', () => {
    const env = { SOCKUDO_DEFAULT_APP_ID: 'env-id', SOCKUDO_DEFAULT_APP_KEY: 'env-key', SOCKUDO_DEFAULT_APP_SECRET: 'env-secret' };
    const apps = load({ 'a.toml': FULL_TOML }, ['--config', 'a.toml'], env).app_manager.array.apps;
    expect(apps.map((a) => a.id)).toEqual(['full', 'minimal', 'env-id']);
  });

  it('never adds the well-known default app next to configured apps: a new app needs its id, key and secret', () => {
    const files = { 'a.toml': FULL_TOML };
    expect(() => load(files, ['--config', 'a.toml'], { SOCKUDO_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'true' })).toThrow(
      /SOCKUDO_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: no configured app has id "app-id"; .* set SOCKUDO_DEFAULT_APP_ID, SOCKUDO_DEFAULT_APP_KEY and SOCKUDO_DEFAULT_APP_SECRET/,
    );
    expect(() => load(files, ['--config', 'a.toml'], { SOCKUDO_DEFAULT_APP_ID: 'new', SOCKUDO_DEFAULT_APP_KEY: 'new-key' })).toThrow(/no configured app has id "new"/);
  });

  it('refuses the well-known default secret when environment = production, and says why', () => {
    expect(() => load({}, [], { ENVIRONMENT: 'production' })).toThrow(/environment = production: app "app-id" uses the well-known default secret/);
    expect(() => load({}, [], { ENVIRONMENT: 'production', SOCKUDO_DEFAULT_APP_SECRET: 'app-secret' })).toThrow(/well-known default secret/);
    const apps = load({}, [], { ENVIRONMENT: 'production', SOCKUDO_DEFAULT_APP_SECRET: 'a-long-random-secret' }).app_manager.array.apps;
    expect(apps.map((a) => a.secret)).toEqual(['a-long-random-secret']);
  });

  it('overrides the fields of the file\'s app with the same id, keeping the rest (environment > file)', () => {
    const env = { SOCKUDO_DEFAULT_APP_ID: 'full', SOCKUDO_DEFAULT_APP_SECRET: 'rotated', SOCKUDO_DEFAULT_APP_ENABLED: 'true' };
    const apps = load({ 'a.toml': FULL_TOML }, ['--config', 'a.toml'], env).app_manager.array.apps;
    expect(apps.map((a) => a.id)).toEqual(['full', 'minimal']);
    expect(apps[0]).toMatchObject({ ...FULL_VALUES, id: 'full', key: 'full-key', secret: 'rotated', enabled: true });
  });
});
