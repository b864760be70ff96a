import type { App } from '../apps/app.js';
import type { NodeId } from '../ids.js';

/** ServerConfig is the parsed, validated configuration; see FIELDS in schema.ts for docs and defaults. */
export interface ServerConfig {
  host: string;
  port: number;
  debug: boolean;
  log_level: string;
  /** activity_timeout in seconds. */
  activity_timeout: number;
  /** pong_timeout in seconds. */
  pong_timeout: number;
  /** shutdown_grace_period in seconds. */
  shutdown_grace_period: number;
  /** user_authentication_timeout in seconds. */
  user_authentication_timeout: number;
  instance: { process_id: NodeId };
  metrics: { enabled: boolean; host: string; port: number; prometheus: { prefix: string } };
  app_manager: { driver: string; array: { apps: App[] } };
  websocket: { max_connections: number; max_buffered_bytes: number; max_payload_kb: number };
  http_api: { request_limit_in_mb: number };
  channel_limits: { cache_ttl: number };
  subscription_count: { throttle_ms: number };
  database: { redis: { url: string; key_prefix: string } };
  queue: { driver: 'memory' | 'redis'; redis: { url_override: string; prefix: string; concurrency: number; lock_duration_ms: number } };
  webhooks: {
    /** vacate_delay_ms holds channel_vacated and member_removed back, in ms. */
    vacate_delay_ms: number;
    timeout_ms: number;
    retry: { base_delay_ms: number; max_delay_ms: number; max_elapsed_ms: number };
    batching: { enabled: boolean; duration: number; size: number };
  };
  adapter: {
    driver: 'local' | 'nats';
    nats: { servers: string[]; prefix: string };
    cluster_health: { heartbeat_interval_ms: number; node_timeout_ms: number };
  };
  presence: { grpc_url: string; grpc_host: string; grpc_port: number; grpc_deadline_ms: number };
}

/** ConfigError stops start-up; its message names the file and the key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
