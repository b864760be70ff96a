import { asAppId } from '../ids.js';
import { APP_DEFAULTS, type App, type WebhookConfig } from './app.js';

/**
 * ApplicationRow is one row of the `applications` table as both Prisma clients (PostgreSQL and MySQL) return
 * it. Columns Sockudo allows to be NULL read as the App defaults (Pusher's limits).
 */
export interface ApplicationRow {
  id: string;
  key: string;
  secret: string;
  enabled: boolean;
  max_connections: number;
  enable_client_messages: boolean;
  max_backend_events_per_second: number | null;
  max_client_events_per_second: number;
  max_read_requests_per_second: number | null;
  max_presence_members_per_channel: number | null;
  max_presence_member_size_in_kb: number | null;
  max_channel_name_length: number | null;
  max_event_channels_at_once: number | null;
  max_event_name_length: number | null;
  max_event_payload_in_kb: number | null;
  max_event_batch_size: number | null;
  enable_user_authentication: boolean | null;
  enable_watchlist_events: boolean | null;
  webhooks: unknown;
  allowed_origins: unknown;
  enable_subscription_count_events: boolean | null;
  enable_authorized_connections: boolean | null;
  max_presence_user_id_length: number | null;
  created_at: Date;
  updated_at: Date;
}

/** JsonValue is a value a JSON column holds. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** ApplicationWrite is the data the table takes to insert or update an app: App's fields, JSON as lists. */
export type ApplicationWrite = Omit<ApplicationRow, 'created_at' | 'updated_at' | 'webhooks' | 'allowed_origins'> & {
  webhooks: JsonValue[];
  allowed_origins: string[];
};

/** NULLABLE_FIELDS are the App fields stored in nullable columns: NULL means APP_DEFAULTS' value. */
const NULLABLE_FIELDS = [
  'max_backend_events_per_second',
  'max_presence_members_per_channel',
  'max_presence_member_size_in_kb',
  'max_channel_name_length',
  'max_event_channels_at_once',
  'max_event_name_length',
  'max_event_payload_in_kb',
  'max_event_batch_size',
  'enable_user_authentication',
  'enable_watchlist_events',
  'enable_subscription_count_events',
  'enable_authorized_connections',
  'max_presence_user_id_length',
] as const;

/**
 * appFromRow maps a row to an App. It returns a string naming the problem instead when a JSON column does not
 * hold what Sockudo stores there (`webhooks`: a list of {url, event_types, ...}; `allowed_origins`: a list of
 * strings): such an app is refused rather than served with a guess.
 */
export function appFromRow(row: ApplicationRow): App | string {
  const webhooks = webhooksOf(row.webhooks);
  if (typeof webhooks === 'string') return `webhooks ${webhooks}`;
  const origins = jsonOf(row.allowed_origins) ?? [];
  if (!Array.isArray(origins) || origins.some((o) => typeof o !== 'string')) return 'allowed_origins must be a JSON list of strings';
  const app: App = {
    ...APP_DEFAULTS,
    id: asAppId(row.id),
    key: row.key,
    secret: row.secret,
    enabled: row.enabled,
    max_connections: row.max_connections,
    enable_client_messages: row.enable_client_messages,
    max_client_events_per_second: row.max_client_events_per_second,
    allowed_origins: origins as string[],
    webhooks,
  };
  for (const field of NULLABLE_FIELDS) {
    const value = row[field];
    if (value !== null) (app as unknown as Record<string, unknown>)[field] = value;
  }
  return app;
}

/**
 * rowFromApp is the table data for an app: every column written explicitly (App's fields share the columns'
 * names), NULL only in max_read_requests_per_second, which sockudo-ts does not use.
 */
export function rowFromApp(app: App): ApplicationWrite {
  // why: WebhookConfig is an interface (no index signature), so TypeScript cannot see it is plain JSON; it is.
  const webhooks = app.webhooks as unknown as JsonValue[];
  // why: the table has Sockudo's columns only; fields without a column take their default when read back, and
  // the recovery override lives in the config file only.
  const { max_subscriptions_per_connection: _notStored, recovery: _recovery, history: _history, ...stored } = app;
  return { ...stored, webhooks, max_read_requests_per_second: null };
}

/**
 * jsonOf reads a JSON column: undefined for NULL; MariaDB keeps JSON as text, so a string is parsed (text that
 * is not JSON stays a string, which no validator accepts).
 */
function jsonOf(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** webhooksOf validates the `webhooks` column, returning the list or a string naming the problem. */
export function webhooksOf(value: unknown): WebhookConfig[] | string {
  const list = jsonOf(value) ?? [];
  if (!Array.isArray(list)) return 'must be a JSON list';
  const out: WebhookConfig[] = [];
  for (const [i, raw] of list.entries()) {
    const w = raw as Record<string, unknown> | null;
    if (typeof w !== 'object' || w === null || typeof w.url !== 'string' || !/^https?:\/\//.test(w.url)) return `[${i}].url must be an http(s) URL`;
    if (!Array.isArray(w.event_types) || w.event_types.some((t) => typeof t !== 'string')) return `[${i}].event_types must be a list of event names`;
    const filter = w.filter ?? undefined;
    if (filter !== undefined && (typeof filter !== 'object' || filter === null)) return `[${i}].filter must be an object`;
    if (filter !== undefined && !validPattern((filter as Record<string, unknown>).channel_pattern)) return `[${i}].filter.channel_pattern is not a regular expression`;
    const headers = w.headers ?? {};
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return `[${i}].headers must be an object`;
    out.push({
      url: w.url,
      event_types: w.event_types as string[],
      ...(filter === undefined ? {} : { filter: filter as WebhookConfig['filter'] }),
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])),
    });
  }
  return out;
}

function validPattern(pattern: unknown): boolean {
  if (pattern === undefined) return true;
  try {
    new RegExp(String(pattern));
    return true;
  } catch {
    return false;
  }
}
