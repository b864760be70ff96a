import { setting } from '../setting.js';

/** DRIVERS are the driver choices and their connection settings: apps, bus, Redis, job queues. */
export const DRIVERS = {
  app_manager: {
    driver: setting.choice(['memory', 'array', 'postgres', 'mysql'] as const, 'memory', { env: ['APP_MANAGER_DRIVER'], unsupported: { dynamodb: 'use `postgres` or `mysql` (or apps in the config file)', scylladb: 'use `postgres` or `mysql` (or apps in the config file)', surrealdb: 'use `postgres` or `mysql` (or apps in the config file)' }, doc: 'Where apps come from: `memory` (alias `array`) reads app_manager.array.apps; `postgres` and `mysql` read the `applications` table of the project database (`npm run apps` manages it).' }),
    cache: {
      enabled: setting.bool(true, { env: ['APP_MANAGER_CACHE_ENABLED'], doc: 'Cache apps read from a database; off asks the database on every lookup.' }),
      ttl: setting.int(300, { env: ['APP_MANAGER_CACHE_TTL', 'CACHE_TTL_SECONDS'], min: 0, unit: 's', doc: 'How long an app read from a database is served from the cache (a change in the table drops the cache sooner, see poll_interval_ms).' }),
      poll_interval_ms: setting.int(1000, { env: ['APP_MANAGER_CACHE_POLL_INTERVAL_MS'], min: 50, unit: 'ms', doc: 'How often the apps table is checked for changes (an app disabled in the database is refused within this on every process).' }),
    },
  },
  database: {
    url: setting.string('', { env: ['DATABASE_URL'], doc: 'URL of the project database (`postgres://...` or `mysql://...`); when set it wins over database.postgres / database.mysql.' }),
    connect_timeout_ms: setting.int(5000, { env: ['DATABASE_CONNECT_TIMEOUT_MS'], min: 100, unit: 'ms', doc: 'Opening a database connection that takes longer fails (the database counts as down).' }),
    postgres: {
      host: setting.string('127.0.0.1', { env: ['DATABASE_POSTGRES_HOST'], doc: 'PostgreSQL host (used when database.url is empty).' }),
      port: setting.int(5432, { env: ['DATABASE_POSTGRES_PORT'], min: 1, max: 65535, doc: 'PostgreSQL port.' }),
      username: setting.string('postgres', { env: ['DATABASE_POSTGRES_USERNAME'], doc: 'PostgreSQL user.' }),
      password: setting.string('', { env: ['DATABASE_POSTGRES_PASSWORD'], doc: 'PostgreSQL password; never logged.' }),
      database: setting.string('sockudo', { env: ['DATABASE_POSTGRES_DATABASE'], doc: 'PostgreSQL database name.' }),
    },
    mysql: {
      host: setting.string('127.0.0.1', { env: ['DATABASE_MYSQL_HOST'], doc: 'MySQL/MariaDB host (used when database.url is empty).' }),
      port: setting.int(3306, { env: ['DATABASE_MYSQL_PORT'], min: 1, max: 65535, doc: 'MySQL/MariaDB port.' }),
      username: setting.string('root', { env: ['DATABASE_MYSQL_USERNAME'], doc: 'MySQL/MariaDB user.' }),
      password: setting.string('', { env: ['DATABASE_MYSQL_PASSWORD'], doc: 'MySQL/MariaDB password; never logged.' }),
      database: setting.string('sockudo', { env: ['DATABASE_MYSQL_DATABASE'], doc: 'MySQL/MariaDB database name.' }),
    },
    redis: {
      url: setting.string('', { env: ['REDIS_URL'], doc: 'URL of the Redis holding presence state, cache channels, job queues and the Redis bus; when set it wins over host, port, db, username and password, else it is built from them.' }),
      host: setting.string('127.0.0.1', { env: ['DATABASE_REDIS_HOST'], doc: 'Redis host (used when database.redis.url is empty).' }),
      port: setting.int(6379, { env: ['DATABASE_REDIS_PORT'], min: 1, max: 65535, doc: 'Redis port.' }),
      db: setting.int(0, { env: ['DATABASE_REDIS_DB'], min: 0, doc: 'Redis database number (pub/sub of the Redis bus ignores it).' }),
      username: setting.string('', { env: ['DATABASE_REDIS_USERNAME'], doc: 'Redis ACL user; empty for none.' }),
      password: setting.string('', { env: ['DATABASE_REDIS_PASSWORD'], doc: 'Redis password; never logged.' }),
      key_prefix: setting.string('sockudo:', { env: ['DATABASE_REDIS_KEY_PREFIX', 'REDIS_KEY_PREFIX'], doc: 'Prefix of every Redis key this server writes.' }),
      cluster: {
        nodes: setting.list([], { env: ['REDIS_CLUSTER_NODES', 'DATABASE_REDIS_CLUSTER_NODES'], doc: 'Seed node URLs of a Redis Cluster (comma-separated in the environment); the `redis-cluster` bus uses them when adapter.cluster.nodes is empty.' }),
      },
    },
  },
  cache: {
    driver: setting.choice(['memory', 'redis'] as const, 'memory', { env: ['CACHE_DRIVER'], valueAliases: { none: 'memory' }, unsupported: { 'redis-cluster': 'use `redis` (one Redis or a Redis with replicas; the bus alone runs on a Redis Cluster)' }, doc: 'Store of cache channels\' last events in the embedded server: `memory` or `redis` (the separate processes of the distributed shape always use Redis).' }),
  },
  queue: {
    driver: setting.choice(['memory', 'redis'] as const, 'memory', { env: ['QUEUE_DRIVER'], valueAliases: { none: 'memory' }, unsupported: { 'redis-cluster': 'use `redis` (BullMQ on one Redis)', sqs: 'use `redis` (BullMQ); Amazon SQS is not implemented' }, doc: 'Job queue of webhooks and push (and the push publish statuses): `memory` (in process, embedded) or `redis` (BullMQ, the distributed shape and the webhook service).' }),
    redis: {
      url_override: setting.string('', { env: ['QUEUE_REDIS_URL_OVERRIDE'], doc: 'Redis URL of the job queues; empty uses database.redis.url.' }),
      prefix: setting.string('sockudo_queue', { env: ['QUEUE_REDIS_PREFIX'], doc: 'Prefix of the job queues\' Redis keys (no `:` at the end; BullMQ adds it).' }),
      concurrency: setting.int(5, { env: ['QUEUE_REDIS_CONCURRENCY'], min: 1, doc: 'Webhook deliveries one worker runs at once (times webhooks.batching.size when batching).' }),
      lock_duration_ms: setting.int(30000, { env: ['QUEUE_REDIS_LOCK_DURATION_MS'], min: 100, unit: 'ms', doc: 'How long a dead worker\'s jobs stay claimed before another worker redelivers them.' }),
    },
  },
  adapter: {
    driver: setting.choice(['local', 'nats', 'redis', 'redis-cluster'] as const, 'local', { env: ['ADAPTER_DRIVER'], doc: 'Fan-out bus: `local` (in process, one node), or between separate gateway/api/presence processes `nats` (NATS core), `redis` (Redis pub/sub) or `redis-cluster` (a Redis Cluster\'s sharded pub/sub, Redis 7).' }),
    redis: {
      prefix: setting.string('sockudo_adapter:', { env: ['ADAPTER_REDIS_PREFIX'], doc: 'Start of every pub/sub channel name of the Redis bus; clusters sharing a Redis need different prefixes.' }),
      requests_timeout: setting.int(5000, { env: ['ADAPTER_REDIS_REQUESTS_TIMEOUT'], min: 1, unit: 'ms', doc: 'A publish or subscribe Redis does not answer in time fails (the caller sees the bus unavailable).' }),
      cluster_mode: setting.bool(false, { doc: 'Sockudo\'s switch for a Redis Cluster behind the `redis` driver: true runs the `redis-cluster` bus on adapter.cluster.nodes.' }),
      redis_pub_options: {
        url: setting.string('', { env: ['REDIS_URL'], doc: 'Redis URL the bus publishes on; empty uses database.redis.url. REDIS_URL overrides it, as every Redis connection.' }),
      },
      redis_sub_options: {
        url: setting.string('', { env: ['REDIS_URL'], doc: 'Redis URL the bus subscribes on; empty uses database.redis.url. Must reach the same pub/sub as the publishing one; REDIS_URL overrides it.' }),
      },
    },
    nats: {
      servers: setting.list(['nats://127.0.0.1:4222'], { env: ['NATS_SERVERS', 'NATS_URL'], doc: 'NATS server URLs (comma-separated in the environment).' }),
      prefix: setting.string('sockudo', { env: ['NATS_PREFIX'], doc: 'First subject token of every bus subject; clusters sharing a NATS server need different prefixes.' }),
      username: setting.string('', { env: ['NATS_USERNAME'], doc: 'NATS user (with password); never logged.' }),
      password: setting.string('', { env: ['NATS_PASSWORD'], doc: 'NATS password; never logged.' }),
      token: setting.string('', { env: ['NATS_TOKEN'], doc: 'NATS authentication token; never logged.' }),
      nkey_seed: setting.string('', { env: ['NATS_NKEY_SEED'], doc: 'NKey seed (`SU...`) to authenticate with; never logged.' }),
      creds_file: setting.string('', { env: ['NATS_CREDS_FILE'], doc: 'Path of a NATS `.creds` file (JWT and NKey seed).' }),
      tls: {
        ca_file: setting.string('', { env: ['NATS_TLS_CA_FILE'], doc: 'CA certificate (PEM) that signed the NATS servers\' certificates; set to connect with TLS.' }),
        cert_file: setting.string('', { env: ['NATS_TLS_CERT_FILE'], doc: 'Client certificate (PEM) for NATS servers that verify clients.' }),
        key_file: setting.string('', { env: ['NATS_TLS_KEY_FILE'], doc: 'Key (PEM) of the client certificate.' }),
      },
    },
    cluster: {
      nodes: setting.list([], { doc: 'Seed node URLs of the Redis Cluster of the `redis-cluster` bus (`redis://host:port`, `rediss://` for TLS); empty uses database.redis.cluster.nodes.' }),
      prefix: setting.string('sockudo_cluster:', { doc: 'Start of every sharded channel name of the `redis-cluster` bus; clusters sharing a Redis Cluster need different prefixes.' }),
      request_timeout_ms: setting.int(5000, { min: 1, unit: 'ms', doc: 'A publish or subscribe the Redis Cluster does not answer in time fails.' }),
      use_connection_manager: setting.bool(true, { doc: 'Accepted for Sockudo configs; the cluster client always reconnects by itself.' }),
      use_sharded_pubsub: setting.bool(true, { doc: 'Accepted for Sockudo configs; the `redis-cluster` bus always uses sharded pub/sub (SSUBSCRIBE/SPUBLISH, Redis 7).' }),
    },
    cluster_health: {
      heartbeat_interval_ms: setting.int(10000, { env: ['CLUSTER_HEALTH_HEARTBEAT_INTERVAL_MS', 'CLUSTER_HEALTH_HEARTBEAT_INTERVAL'], aliases: ['cluster_health.heartbeat_interval_ms'], min: 10, unit: 'ms', doc: 'How often a gateway heartbeats to the presence service (and the presence service looks for dead gateways).' }),
      node_timeout_ms: setting.int(30000, { env: ['CLUSTER_HEALTH_NODE_TIMEOUT_MS', 'CLUSTER_HEALTH_NODE_TIMEOUT'], aliases: ['cluster_health.node_timeout_ms'], min: 10, unit: 'ms', doc: 'A gateway silent this long is dead: its sockets leave every channel and member_removed is sent.' }),
    },
  },
} as const;
