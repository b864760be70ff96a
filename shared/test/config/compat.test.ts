import { describe, expect, it } from 'vitest';
import { loadConfig } from '@sockudo-ts/shared';
import { tempCwd } from './helpers.js';

// Sockudo's names for the same things: a Sockudo config file and environment keep working here.
describe('Sockudo config names', () => {
  it('builds the Redis URL from DATABASE_REDIS_* and lets REDIS_URL override them', () => {
    const cwd = tempCwd();
    const env = { DATABASE_REDIS_HOST: 'cache.internal', DATABASE_REDIS_PORT: '6380', DATABASE_REDIS_DB: '2', DATABASE_REDIS_PASSWORD: 'p@ss', DATABASE_REDIS_KEY_PREFIX: 'mine:' };
    const parts = loadConfig({ argv: [], env, cwd });
    expect(parts.database.redis.url).toBe('redis://:p%40ss@cache.internal:6380/2');
    expect(parts.database.redis.key_prefix).toBe('mine:');
    const withUser = loadConfig({ argv: [], env: { ...env, DATABASE_REDIS_USERNAME: 'app' }, cwd });
    expect(withUser.database.redis.url).toBe('redis://app:p%40ss@cache.internal:6380/2');
    expect(loadConfig({ argv: [], env: { ...env, REDIS_URL: 'redis://other:6379/0' }, cwd }).database.redis.url).toBe('redis://other:6379/0');
    expect(loadConfig({ argv: [], env: {}, cwd }).database.redis.url).toBe('redis://127.0.0.1:6379/0');
  });

  it('reads [adapter.redis] and ADAPTER_DRIVER=redis', () => {
    const cwd = tempCwd({
      'c.toml': `
[adapter]
driver = "redis"
[adapter.redis]
requests_timeout = 7000
prefix = "myapp_adapter:"
[adapter.redis.redis_pub_options]
url = "redis://10.0.0.1:6379/0"
[adapter.redis.redis_sub_options]
url = "redis://10.0.0.2:6379/0"
`,
    });
    const c = loadConfig({ argv: ['--config', 'c.toml'], env: {}, cwd });
    expect(c.adapter.driver).toBe('redis');
    expect(c.adapter.redis).toEqual({ requests_timeout: 7000, prefix: 'myapp_adapter:', cluster_mode: false, redis_pub_options: { url: 'redis://10.0.0.1:6379/0' }, redis_sub_options: { url: 'redis://10.0.0.2:6379/0' } });
    expect(loadConfig({ argv: [], env: { ADAPTER_DRIVER: 'redis' }, cwd }).adapter.driver).toBe('redis');
    // REDIS_URL overrides every Redis connection, the bus's own URLs included
    const overridden = loadConfig({ argv: ['--config', 'c.toml'], env: { REDIS_URL: 'redis://10.9.9.9:6379/0' }, cwd });
    expect([overridden.adapter.redis.redis_pub_options.url, overridden.adapter.redis.redis_sub_options.url, overridden.database.redis.url]).toEqual(Array(3).fill('redis://10.9.9.9:6379/0'));
  });

  it('reads [adapter.cluster] of the redis-cluster driver and REDIS_CLUSTER_NODES', () => {
    const cwd = tempCwd({
      'c.json': JSON.stringify({
        adapter: { driver: 'redis-cluster', cluster: { nodes: ['redis://10.0.1.1:7000', 'redis://10.0.1.2:7001'], prefix: 'myapp_cluster_adapter:', request_timeout_ms: 10000, use_connection_manager: true } },
      }),
    });
    const c = loadConfig({ argv: ['--config', 'c.json'], env: {}, cwd });
    expect(c.adapter.driver).toBe('redis-cluster');
    expect(c.adapter.cluster).toEqual({ nodes: ['redis://10.0.1.1:7000', 'redis://10.0.1.2:7001'], prefix: 'myapp_cluster_adapter:', request_timeout_ms: 10000, use_connection_manager: true, use_sharded_pubsub: true });
    const env = loadConfig({ argv: [], env: { ADAPTER_DRIVER: 'redis-cluster', DATABASE_REDIS_CLUSTER_NODES: 'redis://a:7000,redis://b:7001' }, cwd });
    expect(env.database.redis.cluster.nodes).toEqual(['redis://a:7000', 'redis://b:7001']);
  });
});
