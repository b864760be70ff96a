import { APP_DEFAULTS, type App } from '../apps/app.js';

/** FieldKind is the type of one config value. */
export type FieldKind = 'string' | 'int' | 'number' | 'bool' | 'string[]';

/** Field describes one config key: where it lives, its type, default, env names and a one-line doc. */
export interface Field {
  /** path is the dotted key in TOML/JSON files, e.g. `metrics.port`. */
  path: string;
  kind: FieldKind;
  default: string | number | boolean | string[];
  /** env lists environment variables that set this key, highest priority first. */
  env?: string[];
  /** choices restricts a string to these values. */
  choices?: string[];
  /** min is the smallest accepted number. */
  min?: number;
  /** max is the largest accepted number. */
  max?: number;
  unit?: string;
  doc: string;
}

/** FIELDS is the server's config schema; the README's config table is generated from it. */
export const FIELDS: Field[] = [
  { path: 'host', kind: 'string', default: '0.0.0.0', env: ['HOST'], doc: 'Address the WebSocket and HTTP listener binds.' },
  { path: 'port', kind: 'int', default: 6001, min: 0, max: 65535, env: ['PORT'], doc: 'Port of the WebSocket (/app) and HTTP API (/apps) listener.' },
  { path: 'debug', kind: 'bool', default: false, env: ['DEBUG'], doc: 'Log at debug level.' },
  { path: 'log_level', kind: 'string', default: 'info', env: ['LOG_LEVEL'], choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], doc: 'Log level (debug = true forces debug).' },
  { path: 'activity_timeout', kind: 'int', default: 120, min: 1, unit: 's', env: ['ACTIVITY_TIMEOUT'], doc: 'Seconds of silence before the server pings a socket; sent to clients in connection_established.' },
  { path: 'pong_timeout', kind: 'int', default: 30, min: 1, unit: 's', env: ['PONG_TIMEOUT'], doc: 'Seconds to wait for any frame after a server ping before closing with 4201.' },
  { path: 'shutdown_grace_period', kind: 'number', default: 3, min: 0, unit: 's', env: ['SHUTDOWN_GRACE_PERIOD'], doc: 'Seconds SIGTERM waits for sockets to close (after sending 4200) before exiting.' },
  { path: 'user_authentication_timeout', kind: 'int', default: 30, min: 1, unit: 's', env: ['USER_AUTHENTICATION_TIMEOUT'], doc: 'Seconds a socket of an app with enable_authorized_connections has to sign in or subscribe privately.' },
  { path: 'instance.process_id', kind: 'string', default: '', env: ['INSTANCE_PROCESS_ID'], doc: 'Node id in a cluster; generated when empty.' },
  { path: 'metrics.enabled', kind: 'bool', default: true, env: ['METRICS_ENABLED'], doc: 'Serve Prometheus metrics.' },
  { path: 'metrics.host', kind: 'string', default: '0.0.0.0', env: ['METRICS_HOST'], doc: 'Address of the metrics listener.' },
  { path: 'metrics.port', kind: 'int', default: 9601, min: 0, max: 65535, env: ['METRICS_PORT'], doc: 'Port of the metrics listener (GET /metrics).' },
  { path: 'metrics.prometheus.prefix', kind: 'string', default: 'sockudo_', env: ['METRICS_PROMETHEUS_PREFIX'], doc: 'Prefix of every metric name.' },
  { path: 'app_manager.driver', kind: 'string', default: 'memory', env: ['APP_MANAGER_DRIVER'], choices: ['memory', 'array'], doc: 'Where apps come from: `memory` (alias `array`) reads app_manager.array.apps.' },
  { path: 'websocket.max_connections', kind: 'int', default: 0, min: 0, env: ['WEBSOCKET_MAX_CONNECTIONS'], doc: 'Sockets this node accepts before refusing with 4100; zero means no limit.' },
  { path: 'websocket.max_buffered_bytes', kind: 'int', default: 1048576, min: 1024, unit: 'bytes', env: ['WEBSOCKET_MAX_BUFFERED_BYTES'], doc: 'Outbound bytes a socket may have queued before it is closed with 4100 (slow consumer).' },
  { path: 'websocket.max_payload_kb', kind: 'int', default: 64, min: 1, unit: 'KiB', env: ['WEBSOCKET_MAX_PAYLOAD_KB'], doc: 'Largest client frame accepted; larger frames close the socket with 1009.' },
  { path: 'http_api.request_limit_in_mb', kind: 'number', default: 1, min: 0.001, unit: 'MiB', env: ['HTTP_API_REQUEST_LIMIT_IN_MB'], doc: 'Largest HTTP request body; larger bodies get 413.' },
  { path: 'channel_limits.cache_ttl', kind: 'int', default: 1800, min: 1, unit: 's', env: ['CHANNEL_LIMITS_CACHE_TTL'], doc: 'Seconds a cache channel keeps its last event.' },
  { path: 'subscription_count.throttle_ms', kind: 'int', default: 5000, min: 0, unit: 'ms', env: ['SUBSCRIPTION_COUNT_THROTTLE_MS'], doc: 'Minimum interval of subscription_count events on channels above 100 subscribers.' },
  { path: 'database.redis.url', kind: 'string', default: 'redis://127.0.0.1:6379', env: ['REDIS_URL'], doc: 'Redis holding presence state and cache channels in the distributed shape.' },
  { path: 'database.redis.key_prefix', kind: 'string', default: 'sockudo:', env: ['REDIS_KEY_PREFIX'], doc: 'Prefix of every Redis key this server writes.' },
  { path: 'queue.driver', kind: 'string', default: 'memory', env: ['QUEUE_DRIVER'], choices: ['memory', 'redis'], doc: 'Job queue of webhooks: `memory` (in process, embedded) or `redis` (BullMQ, the distributed shape and the webhook service).' },
  { path: 'queue.redis.url_override', kind: 'string', default: '', env: ['QUEUE_REDIS_URL_OVERRIDE'], doc: 'Redis URL of the job queues; empty uses database.redis.url.' },
  { path: 'queue.redis.prefix', kind: 'string', default: 'sockudo_queue', env: ['QUEUE_REDIS_PREFIX'], doc: 'Prefix of the job queues\' Redis keys (no `:` at the end; BullMQ adds it).' },
  { path: 'queue.redis.concurrency', kind: 'int', default: 5, min: 1, env: ['QUEUE_REDIS_CONCURRENCY'], doc: 'Webhook deliveries one worker runs at once (times webhooks.batching.size when batching).' },
  { path: 'queue.redis.lock_duration_ms', kind: 'int', default: 30000, min: 100, unit: 'ms', env: ['QUEUE_REDIS_LOCK_DURATION_MS'], doc: 'How long a dead worker\'s jobs stay claimed before another worker redelivers them.' },
  { path: 'webhooks.vacate_delay_ms', kind: 'int', default: 3000, min: 0, unit: 'ms', env: ['WEBHOOKS_VACATE_DELAY_MS'], doc: 'channel_vacated and member_removed wait this long and are dropped if the channel is re-occupied or the member returns; zero sends them at once.' },
  { path: 'webhooks.timeout_ms', kind: 'int', default: 10000, min: 1, unit: 'ms', env: ['WEBHOOKS_TIMEOUT_MS'], doc: 'A webhook request without a response in this time fails and is retried.' },
  { path: 'webhooks.retry.base_delay_ms', kind: 'int', default: 1000, min: 1, unit: 'ms', env: ['WEBHOOKS_RETRY_BASE_DELAY_MS'], doc: 'Ceiling of the first retry delay; each retry doubles it (full jitter keeps 50-100 % of it).' },
  { path: 'webhooks.retry.max_delay_ms', kind: 'int', default: 60000, min: 1, unit: 'ms', env: ['WEBHOOKS_RETRY_MAX_DELAY_MS'], doc: 'Largest delay between two attempts of one webhook.' },
  { path: 'webhooks.retry.max_elapsed_ms', kind: 'int', default: 300000, min: 0, unit: 'ms', env: ['WEBHOOKS_RETRY_MAX_ELAPSED_MS'], doc: 'A webhook still failing this long after its first attempt becomes a dead letter.' },
  { path: 'webhooks.batching.enabled', kind: 'bool', default: false, env: ['WEBHOOKS_BATCHING_ENABLED'], doc: 'Send several events of one app to one endpoint in one request.' },
  { path: 'webhooks.batching.duration', kind: 'int', default: 50, min: 1, unit: 'ms', env: ['WEBHOOKS_BATCHING_DURATION'], doc: 'How long a batch collects events before it is sent.' },
  { path: 'webhooks.batching.size', kind: 'int', default: 100, min: 1, env: ['WEBHOOKS_BATCHING_SIZE'], doc: 'Most events in one batch; a full batch is sent at once.' },
  { path: 'adapter.driver', kind: 'string', default: 'local', env: ['ADAPTER_DRIVER'], choices: ['local', 'nats'], doc: 'Fan-out bus: `local` (in process, one node) or `nats` (separate gateway/api/presence processes).' },
  { path: 'adapter.nats.servers', kind: 'string[]', default: ['nats://127.0.0.1:4222'], env: ['NATS_SERVERS'], doc: 'NATS server URLs (comma-separated in the environment).' },
  { path: 'adapter.nats.prefix', kind: 'string', default: 'sockudo', env: ['NATS_PREFIX'], doc: 'First subject token of every bus subject; clusters sharing a NATS server need different prefixes.' },
  { path: 'adapter.cluster_health.heartbeat_interval_ms', kind: 'int', default: 10000, min: 10, unit: 'ms', env: ['CLUSTER_HEALTH_HEARTBEAT_INTERVAL_MS'], doc: 'How often a gateway heartbeats to the presence service (and the presence service looks for dead gateways).' },
  { path: 'adapter.cluster_health.node_timeout_ms', kind: 'int', default: 30000, min: 10, unit: 'ms', env: ['CLUSTER_HEALTH_NODE_TIMEOUT_MS'], doc: 'A gateway silent this long is dead: its sockets leave every channel and member_removed is sent.' },
  { path: 'presence.grpc_url', kind: 'string', default: '127.0.0.1:50051', env: ['PRESENCE_GRPC_URL'], doc: 'Address (host:port) of the presence service, for gateways and api.' },
  { path: 'presence.grpc_host', kind: 'string', default: '0.0.0.0', env: ['PRESENCE_GRPC_HOST'], doc: 'Address the presence service binds.' },
  { path: 'presence.grpc_port', kind: 'int', default: 50051, min: 0, env: ['PRESENCE_GRPC_PORT'], doc: 'Port the presence service listens on.' },
  { path: 'presence.grpc_deadline_ms', kind: 'int', default: 2000, min: 1, unit: 'ms', env: ['PRESENCE_GRPC_DEADLINE_MS'], doc: 'Deadline of each call to the presence service; past it the caller gets a clear error, never a hang.' },
];

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
  max_presence_members_per_channel: 'Members of one presence channel.',
  max_presence_member_size_in_kb: 'Size of one presence member\'s user_info, in KB.',
  max_presence_user_id_length: 'Length of a presence or signin user id, in characters.',
  max_channel_name_length: 'Length of a channel name, in characters.',
  max_event_channels_at_once: 'Channels one HTTP trigger may name.',
  max_event_name_length: 'Length of an event name, in characters.',
  max_event_payload_in_kb: 'Size of one event\'s data, in KB (413 over it).',
  max_event_batch_size: 'Events in one `POST /batch_events`.',
  allowed_origins: 'Origins allowed to open sockets (`*` wildcards); empty allows every origin (else 4009).',
  webhooks: 'Webhook endpoints: `url`, `event_types`, optional `filter` (`channel_prefix`, `channel_suffix`, `channel_pattern`) and `headers`.',
};
