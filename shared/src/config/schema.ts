import { APP_DEFAULTS, type App } from '../apps/app.js';
import { API } from './sections/api.js';
import { CHANNELS } from './sections/channels.js';
import { DRIVERS } from './sections/drivers.js';
import { GATEWAY } from './sections/gateway.js';
import { LISTENER } from './sections/listener.js';
import { PRESENCE } from './sections/presence.js';
import { PUSH } from './sections/push.js';
import { RATE_LIMITER } from './sections/rate-limiter.js';
import { RECOVERY } from './sections/recovery.js';
import { HISTORY } from './sections/history.js';
import { SERVER } from './sections/server.js';
import { TRACING } from './sections/tracing.js';
import { WEBHOOKS } from './sections/webhooks.js';
import { fieldsOf, type Field } from './setting.js';

/**
 * SCHEMA is the server's config schema: every key with its kind, default, environment variables and doc,
 * grouped in one section per owner. The config type (`ServerConfig`), the loader and the README's config
 * tables all come from it.
 */
export const SCHEMA = { ...SERVER, ...LISTENER, ...GATEWAY, ...API, ...CHANNELS, ...WEBHOOKS, ...PRESENCE, ...RECOVERY, ...HISTORY, ...PUSH, ...DRIVERS, ...TRACING, ...RATE_LIMITER } as const;

/** FIELDS lists every setting of SCHEMA with its dotted path, in declaration order. */
export const FIELDS: readonly Field[] = fieldsOf(SCHEMA);

/**
 * DEFAULT_APP_ENV maps environment variables to fields of the default app: `SOCKUDO_DEFAULT_APP_<FIELD>`
 * for every app field but `webhooks` (lists are comma-separated), plus Sockudo's older name
 * `SOCKUDO_ENABLE_CLIENT_MESSAGES`. Later entries win, so the `SOCKUDO_DEFAULT_APP_` name beats the alias.
 */
export const DEFAULT_APP_ENV: Record<string, string> = {
  SOCKUDO_ENABLE_CLIENT_MESSAGES: 'enable_client_messages',
  ...Object.fromEntries(
    ['id', 'key', 'secret', ...Object.keys(APP_DEFAULTS)]
      .filter((field) => field !== 'webhooks')
      .map((field) => [`SOCKUDO_DEFAULT_APP_${field.toUpperCase()}`, field]),
  ),
};

/**
 * APP_FIELD_DOCS is a one-line doc for every field of an app under `[[app_manager.array.apps]]`; defaults
 * come from APP_DEFAULTS. The README's per-app table is generated from it.
 */
export const APP_FIELD_DOCS: Record<keyof App, string> = {
  id: 'App id, used in HTTP API paths (`/apps/{id}`).',
  key: 'App key, used by clients (`/app/{key}`) and in signatures.',
  secret: 'App secret that signs HTTP API requests, channel auth and signin; never logged.',
  enabled: 'A disabled app refuses sockets (4003) and HTTP API calls (403).',
  max_connections: 'Concurrent sockets of the app across the cluster before refusing with 4004; zero means no limit.',
  enable_client_messages: 'Allow `client-*` events on private and presence channels.',
  enable_user_authentication: 'Allow `pusher:signin` (user authentication).',
  enable_watchlist_events: 'Send `pusher_internal:watchlist_events` to signed-in users with a watchlist.',
  enable_subscription_count_events: 'Send `pusher_internal:subscription_count` on non-presence channels.',
  enable_authorized_connections: 'Close sockets that neither sign in nor subscribe privately within user_authentication_timeout (4009).',
  max_client_events_per_second: 'Client events per socket per second before 4301; zero means no limit.',
  max_subscriptions_per_connection: 'Channels one socket may be subscribed to at once; a subscribe beyond it gets 4300 on that channel. Zero means no limit. Not stored in the apps database (the default applies there).',
  max_backend_events_per_second: 'Events the HTTP API accepts for this app per second (one per channel of a trigger), cluster-wide with the redis rate limiter; 429 beyond it. Applies while rate_limiter.enabled; zero means no limit.',
  max_presence_members_per_channel: 'Members of one presence channel.',
  max_presence_member_size_in_kb: 'Size of one presence member\'s user_info, in KB.',
  max_presence_user_id_length: 'Length of a presence or signin user id, in characters.',
  max_channel_name_length: 'Length of a channel name, in characters.',
  max_event_channels_at_once: 'Channels one HTTP trigger may name.',
  max_event_name_length: 'Length of an event name, in characters.',
  max_event_payload_in_kb: 'Size of one event\'s data, in KB (413 over it).',
  max_event_batch_size: 'Events in one `POST /batch_events`.',
  allowed_origins: 'Origins allowed to open sockets (`*` wildcards); empty allows every origin (else 4009).',
  recovery: 'Override of the server\'s `[recovery]` keys for this app (`enabled`, `buffer_size`, `max_buffer_bytes`, `ttl_seconds`); config file only.',
  history: 'Override of the server\'s `[history]` retention for this app (`retention_seconds`, `max_items_per_channel`); config file only.',
  webhooks: 'Webhook endpoints: `url`, `event_types`, optional `filter` (`channel_prefix`, `channel_suffix`, `channel_pattern`) and `headers`.',
};
