import type { AppId } from '../ids.js';

/** WebhookFilter narrows a webhook to channels by prefix, suffix or regular expression. */
export interface WebhookFilter {
  channel_prefix?: string;
  channel_suffix?: string;
  channel_pattern?: string;
}

/** WebhookConfig is one webhook endpoint of an app (PROTOCOL.md §9). */
export interface WebhookConfig {
  url: string;
  /** event_types lists the webhook event names this endpoint receives. */
  event_types: string[];
  filter?: WebhookFilter;
  /** headers are sent with every delivery to this endpoint. */
  headers?: Record<string, string>;
}

/**
 * App is one tenant: credentials, switches and limits. Field names follow Sockudo's config and
 * database columns so that a Sockudo app definition can be reused as is.
 */
export interface App {
  id: AppId;
  key: string;
  secret: string;
  enabled: boolean;
  /** max_connections caps concurrent sockets for the app; zero means no limit. */
  max_connections: number;
  enable_client_messages: boolean;
  enable_user_authentication: boolean;
  enable_watchlist_events: boolean;
  enable_subscription_count_events: boolean;
  /**
   * enable_authorized_connections closes sockets that neither sign in nor subscribe to a private or
   * presence channel within `user_authentication_timeout` (code 4009).
   */
  enable_authorized_connections: boolean;
  /** max_client_events_per_second per socket; zero means no limit. Default 10. */
  max_client_events_per_second: number;
  /**
   * max_subscriptions_per_connection caps the channels one socket may be subscribed to at once; a subscribe
   * beyond it gets `pusher:error` 4300 on that channel. Zero means no limit. Default 100.
   */
  max_subscriptions_per_connection: number;
  /**
   * max_backend_events_per_second caps the events the HTTP API accepts for the app per second (one per
   * channel of a trigger), while the rate limiter is enabled; zero means no limit. Default 0.
   */
  max_backend_events_per_second: number;
  /** max_presence_members_per_channel, default 100. */
  max_presence_members_per_channel: number;
  /** max_presence_member_size_in_kb is the size limit of one member's user_info, default 1 KB. */
  max_presence_member_size_in_kb: number;
  /** max_presence_user_id_length, default 128 characters. */
  max_presence_user_id_length: number;
  max_channel_name_length: number;
  max_event_channels_at_once: number;
  max_event_name_length: number;
  /** max_event_payload_in_kb is the limit of one event's data, default 10 KB. */
  max_event_payload_in_kb: number;
  max_event_batch_size: number;
  /** allowed_origins are origin patterns (`*` wildcards); empty allows every origin. */
  allowed_origins: string[];
  webhooks: WebhookConfig[];
  /**
   * recovery overrides the server's `[recovery]` keys for this app; a key it leaves out keeps the server's
   * value. Set only from the config file (the apps table has no column for it).
   */
  recovery?: AppRecovery;
  /** history overrides the server's `[history]` retention for this app (config file only, like `recovery`). */
  history?: AppHistory;
}

/** AppHistory is an app's override of the `[history]` retention keys. */
export interface AppHistory {
  retention_seconds?: number;
  max_items_per_channel?: number;
}

/** AppRecovery is an app's override of the `[recovery]` section (serials and the hot recovery buffer). */
export interface AppRecovery {
  enabled?: boolean;
  buffer_size?: number;
  max_buffer_bytes?: number;
  ttl_seconds?: number;
}

/** APP_DEFAULTS are Pusher's limits, applied to every field an app definition leaves unset. */
export const APP_DEFAULTS: Omit<App, 'id' | 'key' | 'secret'> = {
  enabled: true,
  max_connections: 0,
  enable_client_messages: false,
  enable_user_authentication: false,
  enable_watchlist_events: false,
  enable_subscription_count_events: false,
  enable_authorized_connections: false,
  max_client_events_per_second: 10,
  max_subscriptions_per_connection: 100,
  max_backend_events_per_second: 0,
  max_presence_members_per_channel: 100,
  max_presence_member_size_in_kb: 1,
  max_presence_user_id_length: 128,
  max_channel_name_length: 200,
  max_event_channels_at_once: 100,
  max_event_name_length: 200,
  max_event_payload_in_kb: 10,
  max_event_batch_size: 10,
  allowed_origins: [],
  webhooks: [],
};

/** MAX_ORIGIN_LENGTH is the longest Origin header checked against patterns; a longer one is refused. */
export const MAX_ORIGIN_LENGTH = 1024;

/**
 * originAllowed checks an Origin header against the app's patterns. `*` in a pattern matches any run of
 * characters; a missing origin is allowed only when the app has no patterns, and an origin longer than
 * MAX_ORIGIN_LENGTH never matches. Matching takes time linear in the origin for each pattern (no regular
 * expression, so no backtracking on hostile input).
 */
export function originAllowed(app: App, origin: string | undefined): boolean {
  if (app.allowed_origins.length === 0) return true;
  if (origin === undefined || origin.length > MAX_ORIGIN_LENGTH) return false;
  return app.allowed_origins.some((pattern) => globMatches(pattern, origin));
}

/**
 * globMatches tells whether `text` matches `pattern`, where `*` stands for any run of characters. The literal
 * pieces between stars must appear in order: the first at the start, the last at the end, each middle one at
 * its leftmost place after the previous (leftmost is always safe for `*`-only patterns).
 */
export function globMatches(pattern: string, text: string): boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return pattern === text;
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (first.length + last.length > text.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    if (piece === '') continue;
    const found = text.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}
