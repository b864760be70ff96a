import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse as parseToml } from 'smol-toml';
import { APP_DEFAULTS, type App } from '../apps/app.js';
import { ConfigError, type ServerConfig } from './config.js';
import { grpcAuthenticated } from '../grpc/grpc-auth-config.js';
import { DEFAULT_APP_ENV, FIELDS } from './schema.js';
import type { Field, FieldKind } from './setting.js';

type Tree = Record<string, unknown>;

/** ConfigSource is one layer of configuration: a parsed file (or an object given in code) and its name. */
export interface ConfigSource {
  name: string;
  values: Tree;
}

/** LoadOptions selects where configuration comes from; every field has a process default. */
export interface LoadOptions {
  /** argv is searched for `--config FILE` / `--config=FILE`. */
  argv?: readonly string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** overrides is applied above the files and below the environment (used by the test kit). */
  overrides?: Tree;
}

/**
 * substituteEnv replaces `${VAR}` and `${VAR:-default}` in file text. An unset variable without a
 * default becomes the empty string, as in a shell.
 */
export function substituteEnv(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, def?: string) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    return def ?? '';
  });
}

/** readConfigFile parses a TOML or JSON file (chosen by extension) after `${VAR}` substitution. */
export function readConfigFile(path: string, env: Record<string, string | undefined>): ConfigSource {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${path}: cannot read config file (${(err as Error).message})`);
  }
  const raw = text;
  text = substituteEnv(text, env);
  const ext = extname(path).toLowerCase();
  try {
    if (ext === '.json') return { name: path, values: JSON.parse(text) as Tree };
    if (ext === '.toml') return { name: path, values: parseToml(text) as Tree };
  } catch (err) {
    throw new ConfigError(`${path}: cannot parse ${ext.slice(1).toUpperCase()}: ${describeParseError(err, text, raw)}`);
  }
  throw new ConfigError(`${path}: unknown config file type "${ext}" (use .toml or .json)`);
}

/**
 * describeParseError says where a file failed to parse without quoting the substituted text: the parsers'
 * own messages quote it, and a `${VAR}` there may hold a secret. It shows the unsubstituted line instead.
 */
function describeParseError(err: unknown, text: string, raw: string): string {
  const e = err as { message: string; line?: unknown; column?: unknown };
  let line = typeof e.line === 'number' ? e.line : undefined;
  let column = typeof e.column === 'number' ? e.column : undefined;
  const position = /at position (\d+)/.exec(e.message);
  if (line === undefined && position !== null) {
    const before = text.slice(0, Number(position[1])).split('\n');
    line = before.length;
    column = before[before.length - 1]!.length + 1;
  }
  const reason = e.message
    .split('\n')[0]!
    .replace(/^Invalid TOML document: /, '')
    .replace(/^Unexpected token '.+?', .* is not valid JSON$/, 'Unexpected token (not valid JSON)')
    .replace(/ in JSON at position \d+.*$/, '');
  const hint = text === raw ? '' : ' (after ${VAR} substitution: check the substituted values)';
  if (line === undefined) return reason + hint;
  const source = raw.split(/\r?\n/)[line - 1];
  return `line ${line}, column ${column}: ${reason}${source === undefined ? '' : ` (line ${line}: ${source.trim().slice(0, 120)})`}${hint}`;
}

/**
 * configPathFromArgv returns the value of `--config FILE` or `--config=FILE`, if given. A `--config`
 * without a file throws ConfigError rather than silently starting on the defaults.
 */
export function configPathFromArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    let path: string | undefined;
    if (arg === '--config') path = argv[i + 1];
    else if (arg.startsWith('--config=')) path = arg.slice('--config='.length);
    else continue;
    if (path === undefined || path === '' || path.startsWith('--')) throw new ConfigError('--config: expected a file path after --config');
    return path;
  }
  return undefined;
}

/**
 * loadConfig builds the server config. Precedence, highest first: environment, overrides,
 * `--config` file, `config/config.toml`, defaults. A bad value throws ConfigError naming key and source.
 */
export function loadConfig(options: LoadOptions = {}): ServerConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const sources: ConfigSource[] = [];
  const defaultFile = resolve(cwd, 'config/config.toml');
  if (existsSync(defaultFile)) sources.push(readConfigFile(defaultFile, env));
  const explicit = configPathFromArgv(options.argv ?? process.argv.slice(2));
  if (explicit !== undefined) sources.push(readConfigFile(resolve(cwd, explicit), env));
  if (options.overrides) sources.push({ name: 'overrides', values: options.overrides });
  return buildConfig(sources, env);
}

/** buildConfig layers sources (lowest first) and the environment over the schema defaults. */
export function buildConfig(sources: readonly ConfigSource[], env: Record<string, string | undefined>): ServerConfig {
  const out: Tree = {};
  for (const field of FIELDS) setPath(out, field.path, field.default);
  let apps: App[] | undefined;
  const warnings: string[] = [];
  for (const source of sources) {
    refuseUnsupported(source);
    for (const field of FIELDS) {
      // why: Sockudo's files write null for "not set" (passphrase, ca_path, url_override, ...).
      const path = [field.path, ...(field.aliases ?? [])].find((p) => getPath(source.values, p) != null);
      if (path !== undefined) setPath(out, field.path, coerce(field, getPath(source.values, path), source.name, false));
    }
    const unknown = [...unknownKeys(source.values), ...unknownAppFields(getPath(source.values, 'app_manager.array.apps'))];
    if (unknown.length > 0) warnings.push(`${source.name}: unknown keys, ignored (a typo?): ${unknown.join(', ')}`);
    const fileApps = getPath(source.values, 'app_manager.array.apps');
    if (fileApps !== undefined) apps = parseApps(fileApps, source.name);
  }
  for (const field of FIELDS) {
    for (const name of field.env ?? []) {
      const raw = env[name];
      if (raw !== undefined && raw !== '') {
        setPath(out, field.path, coerce(field, raw, `environment variable ${name}`, true));
        break;
      }
    }
  }
  if (!getPath(out, 'instance.process_id')) setPath(out, 'instance.process_id', randomBytes(6).toString('hex'));
  setPath(out, 'app_manager.array.apps', withDefaultApp(apps ?? [], env));
  const config = out as unknown as ServerConfig;
  if (config.app_manager.driver === 'array') config.app_manager.driver = 'memory';
  if (config.database.redis.url === '') config.database.redis.url = redisUrlOf(config.database.redis);
  if (config.environment === 'production') checkProduction(config);
  WARNINGS.set(config, warnings);
  return config;
}

const WARNINGS = new WeakMap<ServerConfig, readonly string[]>();

/** configWarnings lists what loading a config found worth a warning (unknown keys, by source), for the process to log. */
export function configWarnings(config: ServerConfig): readonly string[] {
  return WARNINGS.get(config) ?? [];
}

/** UNSUPPORTED are Sockudo keys whose meaning this server cannot honour: a file with them does not start. */
const UNSUPPORTED: Record<string, string> = {
  'metrics.tcp_exporter': 'not supported: sockudo-ts serves Prometheus metrics over HTTP on metrics.port (GET /metrics); remove [metrics.tcp_exporter]',
};

function refuseUnsupported(source: ConfigSource): void {
  for (const [path, reason] of Object.entries(UNSUPPORTED)) {
    if (getPath(source.values, path) != null) throw new ConfigError(`${source.name}: ${path}: ${reason}`);
  }
}

/** KNOWN_PATHS are every key a file may set: the schema's paths and their aliases. */
const KNOWN_PATHS = new Set(FIELDS.flatMap((f) => [f.path, ...(f.aliases ?? [])]));
/** KNOWN_PREFIXES are the sections those keys live in (a key under one of them may still be unknown). */
const KNOWN_SECTIONS = new Set([...KNOWN_PATHS].flatMap((p) => p.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))));

/**
 * IGNORED are Sockudo settings this server has no use for (other brokers and databases, features it does not
 * have, tuning of Sockudo's own runtime): a Sockudo file loads with them and they are not reported as typos.
 */
const IGNORED = [
  'mode', 'path_prefix', 'debug_mode', 'websocket_max_payload_kb', 'user_authentication_timeout', 'activity_timeout',
  'adapter.buffer_multiplier_per_cpu', 'adapter.enable_socket_counting', 'adapter.fallback_to_local',
  'adapter.nats.request_timeout_ms', 'adapter.nats.connection_timeout_ms',
  'adapter.nats.nodes_number', 'adapter.nats.discovery_max_wait_ms', 'adapter.nats.discovery_idle_wait_ms',
  'adapter.pulsar', 'adapter.rabbitmq', 'adapter.google_pubsub', 'adapter.kafka', 'adapter.iggy',
  'adapter.cluster_health.enabled', 'adapter.cluster_health.cleanup_interval_ms', 'cluster_health.enabled', 'cluster_health.cleanup_interval_ms',
  'presence.max_members_per_channel', 'presence.max_member_size_in_kb', 'channel_limits.max_name_length',
  'app_manager.scylladb', 'app_manager.dynamodb',
  'cache.redis', 'cache.memory', 'cors', 'database_pooling', 'database.dynamodb', 'database.scylladb', 'database.surrealdb',
  'database.mysql.table_name', 'database.mysql.connection_pool_size', 'database.mysql.pool_min', 'database.mysql.pool_max',
  'database.mysql.cache_ttl', 'database.mysql.cache_cleanup_interval', 'database.mysql.cache_max_capacity',
  'database.postgres.table_name', 'database.postgres.connection_pool_size', 'database.postgres.pool_min', 'database.postgres.pool_max',
  'database.postgres.cache_ttl', 'database.postgres.cache_cleanup_interval', 'database.postgres.cache_max_capacity',
  'database.redis.sentinels', 'database.redis.sentinel_password', 'database.redis.name', 'database.redis.cluster_nodes',
  'database.redis.cluster.username', 'database.redis.cluster.password', 'database.redis.cluster.use_tls',
  'event_limits', 'http_api', 'logging', 'metrics.driver', 'queue.redis.cluster_mode', 'queue.redis_cluster', 'queue.sqs', 'queue.iggy',
  'webhooks.retry.enabled', 'webhooks.retry.max_attempts', 'cleanup', 'delta_compression', 'tag_filtering', 'versioned_messages', 'annotations',
  'rate_limiter.api_rate_limit.identifier', 'rate_limiter.websocket_rate_limit.identifier', 'rate_limiter.redis.url_override', 'rate_limiter.redis.cluster_mode',
  'idempotency', 'ephemeral', 'echo_control', 'event_name_filtering', 'connection_recovery', 'websocket',
  'history.backend', 'history.max_page_size', 'history.writer_shards', 'history.writer_queue_capacity', 'history.purge_batch_size', 'history.max_purge_per_tick', 'history.postgres',
];

/** IGNORED_PUSH are the keys of Sockudo's own push pipeline (workers, shards, quotas) that ours has no use for. */
const IGNORED_PUSH = /^push\.(\w+_worker_count|(fcm|apns|webpush|hms|wns)_enabled|queue_driver|queue_partition_count|channel_shard_count|fanout_\w+|backpressure_lag_threshold_secs|publish_status_ttl_days|stale_device_max_age_days|dry_run|analytics_\w+|scheduler_interval_secs|retry|circuit_breaker|default_quotas|payload_redaction)(\.|$)/;

/** APP_FIELDS are the fields an app may have; IGNORED_APP_FIELDS are Sockudo's app fields with no use here. */
const APP_FIELDS = new Set(['id', 'key', 'secret', 'recovery', 'history', ...Object.keys(APP_DEFAULTS)]);
const IGNORED_APP_FIELDS = new Set(['max_read_requests_per_second', 'channel_delta_compression', 'policy']);

/** unknownAppFields lists the fields of configured apps that are neither app fields nor ignored ones. */
function unknownAppFields(apps: unknown): string[] {
  if (!Array.isArray(apps)) return [];
  return apps.flatMap((app, i) =>
    typeof app === 'object' && app !== null
      ? Object.keys(app as Tree)
          .filter((name) => !APP_FIELDS.has(name) && !IGNORED_APP_FIELDS.has(name))
          .map((name) => `app_manager.array.apps[${i}].${name}`)
      : [],
  );
}

/** unknownKeys lists the dotted keys of a file that are neither settings, their sections, apps, nor IGNORED. */
function unknownKeys(tree: Tree, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (path === 'app_manager.array.apps' || IGNORED_PUSH.test(path) || IGNORED.some((p) => path === p || path.startsWith(`${p}.`))) continue;
    if (KNOWN_PATHS.has(path)) continue;
    if ((KNOWN_SECTIONS.has(path) || path === 'app_manager.array') && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      out.push(...unknownKeys(value as Tree, path));
      continue;
    }
    out.push(path);
  }
  return out;
}

/** redisUrlOf builds the Redis URL from database.redis's host, port, db, username and password. */
function redisUrlOf(redis: ServerConfig['database']['redis']): string {
  const user = encodeURIComponent(redis.username);
  const auth = redis.password !== '' ? `${user}:${encodeURIComponent(redis.password)}@` : user !== '' ? `${user}@` : '';
  const host = redis.host.includes(':') && !redis.host.startsWith('[') ? `[${redis.host}]` : redis.host;
  return `redis://${auth}${host}:${redis.port}/${redis.db}`;
}

/** WELL_KNOWN_SECRET is the default app's secret, printed in every quick start: never one for production. */
const WELL_KNOWN_SECRET = 'app-secret';

/** checkProduction refuses settings that are fine on a laptop and dangerous in production. */
function checkProduction(config: ServerConfig): void {
  const exposed = config.app_manager.array.apps.find((app) => app.secret === WELL_KNOWN_SECRET);
  if (exposed !== undefined) {
    throw new ConfigError(
      `environment = production: app "${exposed.id}" uses the well-known default secret; configure your apps (app_manager.array.apps or SOCKUDO_DEFAULT_APP_SECRET) with secrets of your own`,
    );
  }
  const open = openInternalPlanes(config);
  if (open.length > 0 && !config.internal_plane.allow_unauthenticated) {
    throw new ConfigError(
      `environment = production: ${open.join('; ')}. Anyone who reaches an unauthenticated internal plane can read or forge presence and inject frames into private channels. ` +
        'Set the credentials, or internal_plane.allow_unauthenticated = true (INTERNAL_PLANE_ALLOW_UNAUTHENTICATED) when a private network or NetworkPolicies are the only boundary you want',
    );
  }
}

/**
 * openInternalPlanes names the internal links of the distributed shape that carry no authentication: the
 * presence gRPC link and, with history on, the history gRPC link (no grpc_token and no TLS), and NATS (no user/password, token, NKey, creds file, TLS or
 * credentials in the server URLs). The embedded server (adapter `local`) has none.
 */
function openInternalPlanes(config: ServerConfig): string[] {
  if (config.adapter.driver === 'local') return [];
  const open: string[] = [];
  const p = config.presence;
  if (!grpcAuthenticated(p.grpc_token, p.grpc_tls)) open.push('the presence gRPC link has no authentication (set presence.grpc_token / PRESENCE_GRPC_TOKEN, or presence.grpc_tls)');
  const h = config.history;
  if (h.enabled && !grpcAuthenticated(h.grpc_token, h.grpc_tls)) open.push('the history gRPC link has no authentication (set history.grpc_token / HISTORY_GRPC_TOKEN, or history.grpc_tls)');
  if (config.adapter.driver === 'nats') {
    const n = config.adapter.nats;
    const credentials = n.username !== '' || n.token !== '' || n.nkey_seed !== '' || n.creds_file !== '' || n.tls.ca_file !== '';
    const inUrl = n.servers.every((url) => /^[a-z]+:\/\/[^/@]+@/i.test(url));
    if (!credentials && !inUrl) open.push('NATS has no credentials (set adapter.nats.username/password, token, nkey_seed, creds_file or tls: NATS_USERNAME, NATS_TOKEN, ...)');
  }
  return open;
}

/**
 * withDefaultApp applies SOCKUDO_DEFAULT_APP_*: the variables override the fields of the configured app
 * with that id (or `app-id`), or define a new app on top of Pusher's defaults. With no app configured at
 * all the server gets the default app `app-id` / `app-key` / `app-secret`.
 */
function withDefaultApp(apps: App[], env: Record<string, string | undefined>): App[] {
  const given = Object.keys(DEFAULT_APP_ENV).filter((name) => env[name] !== undefined && env[name] !== '');
  if (given.length === 0 && apps.length > 0) return apps;
  const id = env.SOCKUDO_DEFAULT_APP_ID || 'app-id';
  const base = apps.find((a) => a.id === id);
  // why: next to configured apps, the well-known app-id / app-key / app-secret must never appear by accident; a
  // new app from the environment needs its id, key and secret spelled out.
  if (base === undefined && apps.length > 0 && !(env.SOCKUDO_DEFAULT_APP_ID && env.SOCKUDO_DEFAULT_APP_KEY && env.SOCKUDO_DEFAULT_APP_SECRET)) {
    throw new ConfigError(
      `environment variable ${given[0]}: no configured app has id "${id}"; to add one next to the configured apps, set SOCKUDO_DEFAULT_APP_ID, SOCKUDO_DEFAULT_APP_KEY and SOCKUDO_DEFAULT_APP_SECRET`,
    );
  }
  const app = (base ? structuredClone(base) : parseApp({ id, key: 'app-key', secret: 'app-secret' }, 'defaults', 'app', false)) as unknown as Tree;
  for (const name of given) {
    const field = DEFAULT_APP_ENV[name]!;
    const kind = APP_KINDS[field];
    const raw = env[name]!;
    app[field] = kind === undefined ? raw : coerce({ path: name, kind: kind as FieldKind, default: 0, min: 0, doc: '' }, raw, 'environment variable', true);
  }
  const result = app as unknown as App;
  const clash = apps.find((a) => a !== base && a.key === result.key);
  if (clash !== undefined) {
    throw new ConfigError(`environment variable SOCKUDO_DEFAULT_APP_KEY: key "${result.key}" is already used by app "${clash.id}"`);
  }
  return base ? apps.map((a) => (a === base ? result : a)) : [...apps, result];
}

const APP_KINDS: Record<string, FieldKind | 'webhooks'> = Object.fromEntries(
  Object.entries(APP_DEFAULTS).map(([k, v]) => [
    k,
    k === 'webhooks' ? 'webhooks' : Array.isArray(v) ? 'string[]' : typeof v === 'boolean' ? 'bool' : 'int',
  ]),
);

function parseApps(value: unknown, source: string): App[] {
  if (!Array.isArray(value)) throw new ConfigError(`${source}: app_manager.array.apps must be a list of apps`);
  const apps = value.map((raw, i) => parseApp(raw, source, `app_manager.array.apps[${i}]`, false));
  const ids = new Set<string>();
  const keys = new Set<string>();
  apps.forEach((app, i) => {
    if (ids.has(app.id)) throw new ConfigError(`${source}: app_manager.array.apps[${i}].id: duplicate app id "${app.id}"`);
    if (keys.has(app.key)) throw new ConfigError(`${source}: app_manager.array.apps[${i}].key: duplicate app key "${app.key}"`);
    ids.add(app.id);
    keys.add(app.key);
  });
  return apps;
}

function parseApp(raw: unknown, source: string, key: string, fromEnv: boolean): App {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${source}: ${key}: an app must be a table/object`);
  const tree = raw as Tree;
  const app: Tree = {};
  for (const name of ['id', 'key', 'secret']) {
    const v = tree[name];
    if ((typeof v !== 'string' && typeof v !== 'number') || String(v) === '') {
      throw new ConfigError(`${source}: ${key}.${name}: required, a non-empty string`);
    }
    app[name] = String(v);
  }
  for (const [name, kind] of Object.entries(APP_KINDS)) {
    const v = tree[name];
    if (v === undefined || v === null) {
      app[name] = structuredClone((APP_DEFAULTS as unknown as Tree)[name]);
    } else if (kind === 'webhooks') {
      app[name] = parseWebhooks(v, `${source}: ${key}.webhooks`);
    } else {
      const field: Field = { path: `${key}.${name}`, kind, default: 0, min: 0, doc: '' };
      app[name] = coerce(field, v, source, fromEnv);
    }
  }
  if (tree.recovery !== undefined && tree.recovery !== null) app.recovery = parseAppRecovery(tree.recovery, source, `${key}.recovery`, fromEnv);
  if (tree.history !== undefined && tree.history !== null) app.history = parseAppRecovery(tree.history, source, `${key}.history`, fromEnv, APP_HISTORY_KINDS);
  return app as unknown as App;
}

/** APP_RECOVERY_KINDS are the keys an app's `recovery` table may override, with their kinds. */
const APP_RECOVERY_KINDS: Record<string, FieldKind> = { enabled: 'bool', buffer_size: 'int', max_buffer_bytes: 'int', ttl_seconds: 'int' };

/** APP_HISTORY_KINDS are the keys an app's `history` table may override. */
const APP_HISTORY_KINDS: Record<string, FieldKind> = { retention_seconds: 'int', max_items_per_channel: 'int' };

function parseAppRecovery(value: unknown, source: string, key: string, fromEnv: boolean, kinds: Record<string, FieldKind> = APP_RECOVERY_KINDS): Tree {
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${source}: ${key}: must be a table/object`);
  const out: Tree = {};
  for (const [name, raw] of Object.entries(value as Tree)) {
    const kind = kinds[name];
    if (kind === undefined) throw new ConfigError(`${source}: ${key}.${name}: unknown key (use ${Object.keys(kinds).join(', ')})`);
    out[name] = coerce({ path: `${key}.${name}`, kind, default: 0, min: 1, doc: '' }, raw, source, fromEnv);
  }
  return out;
}

function parseWebhooks(value: unknown, where: string): App['webhooks'] {
  if (!Array.isArray(value)) throw new ConfigError(`${where}: must be a list`);
  return value.map((raw, i) => {
    const w = raw as Tree;
    if (typeof w !== 'object' || w === null || typeof w.url !== 'string' || !/^https?:\/\//.test(w.url)) {
      throw new ConfigError(`${where}[${i}].url: required, an http(s) URL`);
    }
    const types = w.event_types;
    if (!Array.isArray(types) || types.some((t) => typeof t !== 'string')) {
      throw new ConfigError(`${where}[${i}].event_types: required, a list of event names`);
    }
    const filter = (w.filter ?? undefined) as Tree | undefined;
    if (filter?.channel_pattern !== undefined) {
      try {
        new RegExp(String(filter.channel_pattern));
      } catch {
        throw new ConfigError(`${where}[${i}].filter.channel_pattern: not a valid regular expression`);
      }
    }
    const headers = (w.headers ?? {}) as Record<string, unknown>;
    return {
      url: w.url,
      event_types: types as string[],
      ...(filter ? { filter: filter as NonNullable<App['webhooks'][number]['filter']> } : {}),
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])),
    };
  });
}

function coerce(field: Field, raw: unknown, source: string, fromString: boolean): unknown {
  const fail = (expected: string): never => {
    throw new ConfigError(`${source}: ${field.path}: expected ${expected}, got ${JSON.stringify(raw)}`);
  };
  switch (field.kind) {
    case 'string': {
      let v = typeof raw === 'number' ? String(raw) : raw;
      if (typeof v === 'string' && field.valueAliases?.[v] !== undefined) v = field.valueAliases[v];
      if (typeof v !== 'string') fail('a string');
      const instead = field.unsupported?.[v as string];
      if (instead !== undefined) throw new ConfigError(`${source}: ${field.path}: ${JSON.stringify(v)} is not supported by sockudo-ts; ${instead}`);
      if (field.choices && !field.choices.includes(v as string)) fail(`one of ${field.choices.join(', ')}`);
      return v;
    }
    case 'int':
    case 'number': {
      const v = fromString || typeof raw === 'string' ? Number(raw) : raw;
      if (typeof v !== 'number' || !Number.isFinite(v) || (typeof raw === 'string' && raw.trim() === '')) fail('a number');
      if (field.kind === 'int' && !Number.isInteger(v)) fail('an integer');
      if (field.min !== undefined && (v as number) < field.min) fail(`a number >= ${field.min}`);
      if (field.max !== undefined && (v as number) > field.max) fail(`a number <= ${field.max}`);
      return v;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string' && /^(true|1|yes|on)$/i.test(raw)) return true;
      if (typeof raw === 'string' && /^(false|0|no|off)$/i.test(raw)) return false;
      return fail('true or false');
    }
    case 'string[]': {
      if (typeof raw === 'string') return raw.split(',').map((s) => s.trim()).filter(Boolean);
      if (!Array.isArray(raw) || raw.some((s) => typeof s !== 'string')) fail('a list of strings');
      return raw;
    }
  }
}

function getPath(tree: Tree, path: string): unknown {
  let node: unknown = tree;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Tree)[part];
  }
  return node;
}

function setPath(tree: Tree, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1]!] = Array.isArray(value) ? [...value] : value;
}
