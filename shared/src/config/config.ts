import type { App } from '../apps/app.js';
import type { SCHEMA } from './schema.js';
import type { API } from './sections/api.js';
import type { CHANNELS } from './sections/channels.js';
import type { DRIVERS } from './sections/drivers.js';
import type { GATEWAY } from './sections/gateway.js';
import type { LISTENER } from './sections/listener.js';
import type { PRESENCE } from './sections/presence.js';
import type { PUSH } from './sections/push.js';
import type { RATE_LIMITER } from './sections/rate-limiter.js';
import type { RECOVERY } from './sections/recovery.js';
import type { HISTORY } from './sections/history.js';
import type { SERVER } from './sections/server.js';
import type { TRACING } from './sections/tracing.js';
import type { WEBHOOKS } from './sections/webhooks.js';
import type { ConfigOf } from './setting.js';

/** ServerConfigKeys is the parsed config as the schema describes it (apps aside). */
type ServerConfigKeys = ConfigOf<typeof SCHEMA>;

/**
 * ServerConfig is the parsed, validated configuration. Its type is derived from SCHEMA (schema.ts), which holds
 * every key's default, unit and doc; only the app list, which has its own parser, is added here.
 */
export type ServerConfig = ServerConfigKeys & {
  app_manager: ServerConfigKeys['app_manager'] & { array: { apps: App[] } };
};

/** ServerSettings are the process-wide keys: listener, logging, node id, metrics, shutdown. */
export type ServerSettings = ConfigOf<typeof SERVER>;
/** ListenerConfig are the keys of the client-facing listener's transport: `ssl` and `unix_socket`. */
export type ListenerConfig = ConfigOf<typeof LISTENER>;
/** GatewaySettings are the gateway's keys: liveness timeouts and WebSocket limits. */
export type GatewaySettings = ConfigOf<typeof GATEWAY>;
/** ApiSettings are the HTTP API's keys. */
export type ApiSettings = ConfigOf<typeof API>;
/** ChannelSettings are the channel keys shared by publishers and presence. */
export type ChannelSettings = ConfigOf<typeof CHANNELS>;
/** WebhookSettings are the keys of webhook delivery. */
export type WebhookSettings = ConfigOf<typeof WEBHOOKS>;
/** PresenceSettings are the keys of the presence service and its clients. */
export type PresenceSettings = ConfigOf<typeof PRESENCE>;
/** PushSettings are the keys of push notifications: the push APIs, the worker and its providers. */
export type PushSettings = ConfigOf<typeof PUSH>;
/** RateLimiterSettings are the keys of the rate limiter (`rate_limiter.*`). */
export type RateLimiterSettings = ConfigOf<typeof RATE_LIMITER>['rate_limiter'];
/** RecoveryConfig is the `[recovery]` section: serials and the hot recovery buffer. */
export type RecoveryConfig = ConfigOf<typeof RECOVERY>['recovery'];
/** HistoryConfig is the `[history]` section: durable channel history and its retention. */
export type HistoryConfig = ConfigOf<typeof HISTORY>['history'];
/** TracingSettings are the OpenTelemetry keys (the OTEL_* environment variables). */
export type TracingSettings = ConfigOf<typeof TRACING>['tracing'];
/** DriverSettings are the driver choices and their connection settings. */
export type DriverSettings = ConfigOf<typeof DRIVERS>;

/** ConfigError stops start-up; its message names the file and the key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
