import { setting } from '../setting.js';

/** DRIVERS are the driver choices and their connection settings: apps, bus, Redis, job queues. */
export const DRIVERS = {
  app_manager: {
    driver: setting.choice(['memory', 'array'] as const, 'memory', { env: ['APP_MANAGER_DRIVER'], doc: 'Where apps come from: `memory` (alias `array`) reads app_manager.array.apps.' }),
  },
  database: {
    redis: {
      url: setting.string('redis://127.0.0.1:6379', { env: ['REDIS_URL'], doc: 'Redis holding presence state and cache channels in the distributed shape.' }),
      key_prefix: setting.string('sockudo:', { env: ['REDIS_KEY_PREFIX'], doc: 'Prefix of every Redis key this server writes.' }),
    },
  },
  cache: {
    driver: setting.choice(['memory', 'redis'] as const, 'memory', { env: ['CACHE_DRIVER'], doc: 'Store of cache channels\' last events in the embedded server: `memory` or `redis` (the separate processes of the distributed shape always use Redis).' }),
  },
  queue: {
    driver: setting.choice(['memory', 'redis'] as const, 'memory', { env: ['QUEUE_DRIVER'], doc: 'Job queue of webhooks: `memory` (in process, embedded) or `redis` (BullMQ, the distributed shape and the webhook service).' }),
    redis: {
      url_override: setting.string('', { env: ['QUEUE_REDIS_URL_OVERRIDE'], doc: 'Redis URL of the job queues; empty uses database.redis.url.' }),
      prefix: setting.string('sockudo_queue', { env: ['QUEUE_REDIS_PREFIX'], doc: 'Prefix of the job queues\' Redis keys (no `:` at the end; BullMQ adds it).' }),
      concurrency: setting.int(5, { env: ['QUEUE_REDIS_CONCURRENCY'], min: 1, doc: 'Webhook deliveries one worker runs at once (times webhooks.batching.size when batching).' }),
      lock_duration_ms: setting.int(30000, { env: ['QUEUE_REDIS_LOCK_DURATION_MS'], min: 100, unit: 'ms', doc: 'How long a dead worker\'s jobs stay claimed before another worker redelivers them.' }),
    },
  },
  adapter: {
    driver: setting.choice(['local', 'nats'] as const, 'local', { env: ['ADAPTER_DRIVER'], doc: 'Fan-out bus: `local` (in process, one node) or `nats` (separate gateway/api/presence processes).' }),
    nats: {
      servers: setting.list(['nats://127.0.0.1:4222'], { env: ['NATS_SERVERS'], doc: 'NATS server URLs (comma-separated in the environment).' }),
      prefix: setting.string('sockudo', { env: ['NATS_PREFIX'], doc: 'First subject token of every bus subject; clusters sharing a NATS server need different prefixes.' }),
    },
    cluster_health: {
      heartbeat_interval_ms: setting.int(10000, { env: ['CLUSTER_HEALTH_HEARTBEAT_INTERVAL_MS'], min: 10, unit: 'ms', doc: 'How often a gateway heartbeats to the presence service (and the presence service looks for dead gateways).' }),
      node_timeout_ms: setting.int(30000, { env: ['CLUSTER_HEALTH_NODE_TIMEOUT_MS'], min: 10, unit: 'ms', doc: 'A gateway silent this long is dead: its sockets leave every channel and member_removed is sent.' }),
    },
  },
} as const;
