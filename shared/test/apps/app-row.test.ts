import { describe, expect, it } from 'vitest';
import { APP_DEFAULTS, appFromRow, rowFromApp, type App, type ApplicationRow } from '@sockudo-ts/shared';

// A row as Sockudo's own INSERT leaves it: its NOT NULL columns set, every optional limit and switch NULL.
const SOCKUDO_ROW: ApplicationRow = {
  id: 'sockudo-app',
  key: 'sockudo-key',
  secret: 'sockudo-secret',
  enabled: true,
  max_connections: 1000,
  enable_client_messages: true,
  max_backend_events_per_second: null,
  max_client_events_per_second: 100,
  max_read_requests_per_second: null,
  max_presence_members_per_channel: null,
  max_presence_member_size_in_kb: null,
  max_channel_name_length: null,
  max_event_channels_at_once: null,
  max_event_name_length: null,
  max_event_payload_in_kb: null,
  max_event_batch_size: null,
  enable_user_authentication: null,
  enable_watchlist_events: null,
  webhooks: null,
  allowed_origins: null,
  enable_subscription_count_events: null,
  enable_authorized_connections: null,
  max_presence_user_id_length: null,
  created_at: new Date(0),
  updated_at: new Date(0),
};

describe('applications rows', () => {
  it("reads NULL limits and switches as Pusher's defaults", () => {
    expect(appFromRow(SOCKUDO_ROW)).toEqual({
      ...APP_DEFAULTS,
      id: 'sockudo-app',
      key: 'sockudo-key',
      secret: 'sockudo-secret',
      max_connections: 1000,
      enable_client_messages: true,
      max_client_events_per_second: 100,
    });
  });

  it('parses JSON columns that MariaDB hands back as text', () => {
    const app = appFromRow({ ...SOCKUDO_ROW, allowed_origins: '["https://x.example"]', webhooks: '[{"url":"https://h.example","event_types":["member_added"],"headers":{"X-N":1}}]' }) as App;
    expect(app.allowed_origins).toEqual(['https://x.example']);
    expect(app.webhooks).toEqual([{ url: 'https://h.example', event_types: ['member_added'], headers: { 'X-N': '1' } }]);
  });

  it('names the problem instead of guessing when a JSON column is invalid', () => {
    expect(appFromRow({ ...SOCKUDO_ROW, allowed_origins: 'not json' })).toBe('allowed_origins must be a JSON list of strings');
    expect(appFromRow({ ...SOCKUDO_ROW, allowed_origins: [1, 2] })).toBe('allowed_origins must be a JSON list of strings');
    expect(appFromRow({ ...SOCKUDO_ROW, webhooks: { url: 'https://h' } })).toBe('webhooks must be a JSON list');
    expect(appFromRow({ ...SOCKUDO_ROW, webhooks: [{ url: 'https://h', event_types: 'all' }] })).toBe('webhooks [0].event_types must be a list of event names');
    expect(appFromRow({ ...SOCKUDO_ROW, webhooks: [{ url: 'https://h', event_types: [], filter: { channel_pattern: '(' } }] })).toBe(
      'webhooks [0].filter.channel_pattern is not a regular expression',
    );
  });

  it('writes every App field to its column and reads it back unchanged', () => {
    const app: App = { ...(appFromRow(SOCKUDO_ROW) as App), enable_authorized_connections: true, max_presence_user_id_length: 12, webhooks: [{ url: 'https://h', event_types: ['client_event'], headers: {} }] };
    const row = { ...rowFromApp(app), created_at: new Date(), updated_at: new Date() };
    expect(appFromRow(row)).toEqual(app);
  });
});
