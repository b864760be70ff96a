import { setting } from '../setting.js';
import { grpcAuthSettings } from './grpc-auth.js';

/**
 * HISTORY are the keys of durable channel history: the history service stores the sequenced channel stream
 * (apps with recovery on) in PostgreSQL and drops what retention says. Off by default.
 */
export const HISTORY = {
  history: {
    enabled: setting.bool(false, { env: ['HISTORY_ENABLED'], doc: 'Keep every sequenced event (apps with recovery on) durably for the history API.' }),
    retention_seconds: setting.int(86400, { env: ['HISTORY_RETENTION_SECONDS'], aliases: ['history.retention_window_seconds'], min: 1, unit: 's', doc: 'Seconds a stored event is kept; older ones are dropped by the retention job.' }),
    max_items_per_channel: setting.int(10000, { env: ['HISTORY_MAX_ITEMS_PER_CHANNEL'], min: 1, doc: 'Events kept per channel; the oldest past it are dropped by the retention job.' }),
    stream_max_age_seconds: setting.int(604800, {
      env: ['HISTORY_STREAM_MAX_AGE_SECONDS'],
      min: 1,
      unit: 's',
      doc: 'How long the history stream (a JetStream work queue the NATS server sources from the channel stream) keeps an event the history service has not stored yet: the longest the service may be down or behind without losing events, however short the recovery buffer.',
    }),
    stream_max_bytes: setting.int(1073741824, {
      env: ['HISTORY_STREAM_MAX_BYTES'],
      min: 0,
      unit: 'bytes',
      doc: 'Size bound of the history stream (events not stored yet); past it the oldest are dropped. Zero: no bound (the NATS server\'s JetStream limits still apply).',
    }),
    batch_size: setting.int(1000, { env: ['HISTORY_BATCH_SIZE'], min: 1, doc: 'Most events the history service stores in one write.' }),
    grpc_url: setting.string('', { env: ['HISTORY_GRPC_URL'], doc: 'Address (host:port) of the history service, for the api; empty: the api reads the history table of PostgreSQL itself.' }),
    grpc_host: setting.string('127.0.0.1', { env: ['HISTORY_GRPC_HOST'], doc: 'Address the history service binds for reads: loopback by default; `0.0.0.0` (with grpc_token or grpc_tls) when api replicas and gateways run on other hosts.' }),
    grpc_port: setting.int(50052, { env: ['HISTORY_GRPC_PORT'], min: 0, max: 65535, doc: 'Port the history service serves reads on (gRPC, proto/history.proto).' }),
    ...grpcAuthSettings('HISTORY', 'history service', 'the api and gateways'),
    grpc_deadline_ms: setting.int(2000, { env: ['HISTORY_GRPC_DEADLINE_MS'], min: 1, unit: 'ms', doc: 'Deadline of each read from the history service.' }),
    retention_interval_seconds: setting.int(60, { env: ['HISTORY_RETENTION_INTERVAL_SECONDS'], aliases: ['history.purge_interval_seconds'], min: 1, unit: 's', doc: 'Seconds between two runs of the retention job.' }),
  },
} as const;
