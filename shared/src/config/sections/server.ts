import type { NodeId } from '../../ids.js';
import { setting } from '../setting.js';

/** SERVER are the process-wide keys every service reads: listener, logging, node id, metrics, shutdown. */
export const SERVER = {
  environment: setting.choice(['development', 'test', 'staging', 'production'] as const, 'development', { env: ['ENVIRONMENT'], doc: '`production` refuses to start with settings only fit for development: the well-known default app secret, or an internal plane without authentication (presence gRPC, or history gRPC with history on, without grpc_token or TLS; NATS without credentials or TLS) unless internal_plane.allow_unauthenticated.' }),
  internal_plane: {
    allow_unauthenticated: setting.bool(false, { env: ['INTERNAL_PLANE_ALLOW_UNAUTHENTICATED'], doc: 'Lets `production` start with presence gRPC, history gRPC or NATS unauthenticated, for networks where only NetworkPolicies (or a private network) guard them.' }),
  },
  host: setting.string('0.0.0.0', { env: ['HOST'], doc: 'Address the WebSocket and HTTP listener binds.' }),
  port: setting.int(6001, { env: ['PORT'], min: 0, max: 65535, doc: 'Port of the WebSocket (/app) and HTTP API (/apps) listener.' }),
  debug: setting.bool(false, { env: ['DEBUG'], doc: 'Log at debug level.' }),
  log_level: setting.choice(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, 'info', { env: ['LOG_LEVEL'], doc: 'Log level (debug = true forces debug).' }),
  shutdown_grace_period: setting.number(3, { env: ['SHUTDOWN_GRACE_PERIOD'], min: 0, unit: 's', doc: 'Seconds SIGTERM waits for sockets to close (after sending 4200) before exiting.' }),
  instance: {
    process_id: setting.string<NodeId>('', { env: ['INSTANCE_PROCESS_ID'], doc: 'Node id in a cluster; generated when empty.' }),
  },
  metrics: {
    enabled: setting.bool(true, { env: ['METRICS_ENABLED'], doc: 'Serve Prometheus metrics.' }),
    host: setting.string('127.0.0.1', { env: ['METRICS_HOST'], doc: 'Address of the metrics listener: loopback by default; `0.0.0.0` for a scraper on another host (with auth_token).' }),
    auth_token: setting.string('', { env: ['METRICS_AUTH_TOKEN'], doc: 'When set, GET /metrics needs `Authorization: Bearer <token>` (401 otherwise); /up and /ready stay open for probes. Never logged.' }),
    port: setting.int(9601, { env: ['METRICS_PORT'], min: 0, max: 65535, doc: 'Port of the metrics listener (GET /metrics).' }),
    prometheus: {
      prefix: setting.string('sockudo_', { env: ['METRICS_PROMETHEUS_PREFIX'], doc: 'Prefix of every metric name.' }),
    },
  },
} as const;
