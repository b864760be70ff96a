import { Agent } from 'node:https';
import { request } from 'node:https';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, configWarnings, createLogger, loadConfig, openBus, type ServerConfig } from '@sockudo-ts/shared';
import { startStandalone } from '@sockudo-ts/standalone';
import { NATS, REDIS, deleteKeys, freePort, makeCertificates, servicesUp, uniquePrefix, type TestCertificates } from '../kit/index.js';
import { tempCwd } from '../../shared/test/config/helpers.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/sockudo/', import.meta.url));
const up = await servicesUp('Sockudo config examples', REDIS, NATS);

/** get answers a GET on the server's own port, over TLS when it serves TLS. */
async function get(config: ServerConfig, port: number, path: string, ca?: Buffer): Promise<number> {
  if (!config.ssl.enabled) return (await fetch(`http://127.0.0.1:${port}${path}`)).status;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, servername: 'localhost', agent: new Agent({ ca }) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

// Each example of Sockudo's docs and repository, values as they wrote them, loads without an unknown-key
// warning and starts the embedded server. The environment points the connections at this machine's services and
// picks free ports, as a deployment's environment would.
describe.skipIf(!up)("Sockudo's config examples", () => {
  let certs: TestCertificates;
  const prefix = uniquePrefix('seeds');
  beforeAll(() => {
    certs = makeCertificates();
  });
  afterAll(async () => {
    certs?.remove();
    await deleteKeys(`redis://${REDIS.host}:${REDIS.port}`, prefix);
  });

  const examples = ['config.toml', 'config.json', 'config-reference.json', 'adapter-redis.json', 'adapter-redis-cluster.json', 'adapter-nats.json', 'ssl-redirect.json', 'webhooks.json', 'queue-redis.json'];
  for (const file of examples) {
    it(`loads and starts with ${file}`, async () => {
      const env: Record<string, string> = {
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_HOST: '127.0.0.1',
        METRICS_PORT: '0',
        REDIS_URL: `redis://${REDIS.host}:${REDIS.port}/0`,
        DATABASE_REDIS_KEY_PREFIX: `${prefix}:`,
        QUEUE_REDIS_PREFIX: `${prefix}:queue`,
        NATS_SERVERS: `nats://${NATS.host}:${NATS.port}`,
        SSL_CERT_PATH: certs.certPath,
        SSL_KEY_PATH: certs.keyPath,
        SSL_PASSPHRASE: certs.passphrase,
        SSL_HTTP_PORT: String(await freePort()),
      };
      const config = loadConfig({ argv: ['--config', `${FIXTURES}${file}`], env, cwd: tempCwd() });
      expect(configWarnings(config)).toEqual([]);
      const logger = createLogger({ level: 'silent', service: 'seeds' });
      const server = await startStandalone(config, logger);
      try {
        expect(await get(config, server.port, '/up', certs.ca)).toBe(200);
        if (file === 'adapter-redis.json' || file === 'adapter-nats.json') {
          // the embedded server always runs the in-process bus; the example's bus opens as a gateway's would
          const bus = await openBus({ ...config, adapter: { ...config.adapter, redis: { ...config.adapter.redis, prefix: `${prefix}:bus:` }, nats: { ...config.adapter.nats, prefix } } }, { logger });
          await bus.close();
        }
      } finally {
        await server.stop();
      }
    });
  }

  it('reads the values of the examples under their Sockudo names', () => {
    const load = (file: string) => loadConfig({ argv: ['--config', `${FIXTURES}${file}`], env: {}, cwd: tempCwd() });
    const toml = load('config.toml');
    expect(toml.webhooks.timeout_ms).toBe(10000);
    expect(toml.webhooks.retry).toEqual({ base_delay_ms: 1000, max_delay_ms: 60000, max_elapsed_ms: 300000 });
    expect(toml.app_manager.cache.enabled).toBe(false);
    expect(load('config-reference.json').adapter.cluster_health).toEqual({ heartbeat_interval_ms: 10000, node_timeout_ms: 30000 });
    expect(load('config-reference.json').queue.driver).toBe('redis');
    expect(load('webhooks.json').app_manager.array.apps[0]).toMatchObject({ id: 'my-app-with-webhooks', max_connections: 1000, max_client_events_per_second: 20 });
    expect(load('webhooks.json').webhooks.batching).toMatchObject({ enabled: true, duration: 75 });
    expect(load('adapter-redis-cluster.json').adapter.cluster.nodes).toEqual(['redis://10.0.1.1:7000', 'redis://10.0.1.2:7001', 'redis://10.0.1.3:7002']);
    expect(load('ssl-redirect.json').ssl).toMatchObject({ enabled: true, passphrase: '', ca_path: '', redirect_http: true, http_port: 80 });
  });
});

describe('Sockudo names that differ from ours, unknown keys and unsupported sections', () => {
  const load = (name: string, text: string, env: Record<string, string> = {}) => loadConfig({ argv: ['--config', name], env, cwd: tempCwd({ [name]: text }) });

  it('accepts [webhooks] batching_enabled, max_batch_size, flush_interval_ms and timeout_ms', () => {
    const c = load('c.toml', '[webhooks]\nbatching_enabled = true\nmax_batch_size = 25\nflush_interval_ms = 200\ntimeout_ms = 4000\n');
    expect(c.webhooks.batching).toEqual({ enabled: true, size: 25, duration: 200 });
    expect(c.webhooks.timeout_ms).toBe(4000);
    expect(configWarnings(c)).toEqual([]);
  });

  it('accepts [cache] driver and [queue] driver with Sockudo\'s values, and none', () => {
    expect(load('c.toml', '[cache]\ndriver = "redis"\n[queue]\ndriver = "redis"\n').queue.driver).toBe('redis');
    const none = load('c.toml', '[cache]\ndriver = "none"\n[queue]\ndriver = "none"\n');
    expect([none.cache.driver, none.queue.driver]).toEqual(['memory', 'memory']);
    expect(() => load('c.toml', '[queue]\ndriver = "mongo"\n')).toThrow(/queue\.driver: expected one of memory, redis/);
  });

  it('refuses Sockudo drivers it does not implement with "not supported" and what to use instead', () => {
    expect(() => load('c.toml', '[queue]\ndriver = "sqs"\n')).toThrow(/c\.toml: queue\.driver: "sqs" is not supported by sockudo-ts; use `redis`/);
    expect(() => load('c.toml', '[queue]\ndriver = "redis-cluster"\n')).toThrow(/queue\.driver: "redis-cluster" is not supported/);
    expect(() => load('c.toml', '[cache]\ndriver = "redis-cluster"\n')).toThrow(/cache\.driver: "redis-cluster" is not supported/);
    expect(() => load('c.toml', '[app_manager]\ndriver = "dynamodb"\n')).toThrow(/app_manager\.driver: "dynamodb" is not supported by sockudo-ts; use `postgres` or `mysql`/);
    expect(() => load('c.toml', '', { QUEUE_DRIVER: 'sqs' })).toThrow(/queue\.driver: "sqs" is not supported/);
  });

  it('refuses [metrics.tcp_exporter] with a clear "not supported"', () => {
    expect(() => load('c.toml', '[metrics.tcp_exporter]\nenabled = true\nport = 9602\n')).toThrow(ConfigError);
    expect(() => load('c.toml', '[metrics.tcp_exporter]\nenabled = true\n')).toThrow(/c\.toml: metrics\.tcp_exporter: not supported/);
  });

  it('warns naming every unknown key, nested ones included', () => {
    const app = { id: 'a', key: 'k', secret: 's', max_conections: 5 };
    const c = load('c.json', JSON.stringify({ prot: 6001, adapter: { driver: 'local', nats: { servers: ['nats://x:4222'], prefx: 'a' } }, ssl: { enabled: false, cert_pth: '' }, app_manager: { array: { apps: [app] } } }));
    expect(configWarnings(c)).toHaveLength(1);
    expect(configWarnings(c)[0]).toMatch(/c\.json: unknown keys, ignored \(a typo\?\): prot, adapter\.nats\.prefx, ssl\.cert_pth, app_manager\.array\.apps\[0\]\.max_conections$/);
  });
});
