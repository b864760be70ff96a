import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@sockudo-ts/shared';
import { ROOT } from '../../kit/process.js';

// Issue 9 §2, the parts of docker-compose.yml that need no container engine (the stack itself runs in
// `npm run test:containers`).
const TEXT = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const COMPOSE = parse(TEXT, { merge: true }) as { services: Record<string, any> };
const SOCKUDO = ['presence', 'gateway-1', 'gateway-2', 'api', 'webhook'];
const DEFAULT_STACK = ['nats', 'redis', 'postgres', ...SOCKUDO, 'ingress'];

/**
 * serviceConfig loads deploy/compose/sockudo.toml as a service's container does: with the environment compose
 * gives it, `${VAR}` filled from `dotenv` (blank when unset, as compose does).
 */
function serviceConfig(name: string, dotenv: Record<string, string>) {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(COMPOSE.services[name].environment as Record<string, string | number>)) {
    env[key] = String(value).replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, v: string, fallback?: string) => dotenv[v] ?? fallback ?? '');
  }
  // why: cwd elsewhere than the repository, whose config/config.toml (if a developer made one) is no part of the stack.
  return loadConfig({ argv: ['--config', join(ROOT, 'deploy/compose/sockudo.toml')], env, cwd: tmpdir() });
}

describe('docker-compose.yml', () => {
  it('pins the official image tags of the issue', () => {
    expect(COMPOSE.services.nats.image).toBe('docker.io/library/nats:2.9');
    expect(COMPOSE.services.redis.image).toBe('docker.io/library/redis:7.0');
    expect(COMPOSE.services.postgres.image).toBe('docker.io/library/postgres:15');
    expect(COMPOSE.services.ingress.image).toBe('docker.io/library/nginx:1.22');
    expect(COMPOSE.services.nats.command).toContain('-js');
    expect(readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8')).toMatch(/^FROM docker\.io\/library\/node:20-bookworm-slim AS build$/m);
  });

  it('gives every service of the default stack a restart policy and a health check', () => {
    for (const name of DEFAULT_STACK) {
      const s = COMPOSE.services[name];
      expect([name, s.restart]).toEqual([name, 'unless-stopped']);
      expect([name, Array.isArray(s.healthcheck?.test)]).toEqual([name, true]);
    }
    for (const name of SOCKUDO) expect(COMPOSE.services[name].command[0]).toBe(name.replace(/-\d$/, ''));
  });

  it('serves the Quick start at localhost:6001 through the ingress, with the README app by default', () => {
    expect(COMPOSE.services.ingress.ports).toEqual(['${SOCKUDO_BIND:-127.0.0.1}:${SOCKUDO_PORT:-6001}:80']);
    const env = COMPOSE.services['gateway-1'].environment;
    expect([env.APP_ID, env.APP_KEY, env.APP_SECRET]).toEqual(['${APP_ID:-app-id}', '${APP_KEY:-app-key}', '${APP_SECRET:-app-secret}']);
    const nginx = readFileSync(join(ROOT, 'deploy/compose/nginx.conf'), 'utf8');
    // the gateways' server lines are the ones ingress.sh writes from the addresses of the gateways that are up
    expect(nginx).toMatch(/upstream sockudo_gateways \{[^}]*least_conn;[^}]*include \/etc\/nginx\/sockudo-gateways\.conf;/);
    expect(readFileSync(join(ROOT, 'deploy/compose/ingress.sh'), 'utf8')).toMatch(/^servers=\/etc\/nginx\/sockudo-gateways\.conf$/m);
    expect(nginx).toMatch(/location \/app\/ \{[^}]*proxy_set_header Upgrade\s+\$http_upgrade;[^}]*proxy_read_timeout 300s;/);
    expect(nginx).toMatch(/location \/apps\/ \{[^}]*proxy_pass http:\/\/sockudo_api;/);
  });

  it('has the ingress balance over the gateways that are up, never marking one failed, and answer 502 while none is', () => {
    const servers = (snapshot: string) => {
      const r = spawnSync('sh', [join(ROOT, 'deploy/compose/ingress.sh'), 'servers'], { input: snapshot, encoding: 'utf8' });
      expect(r.status).toBe(0);
      return r.stdout.trim().split('\n');
    };
    expect(servers('gateway-1 10.89.0.9 \ngateway-2 10.89.0.10 \napi 10.89.0.11 \n')).toEqual(['server 10.89.0.9:6001 max_fails=0;', 'server 10.89.0.10:6001 max_fails=0;']);
    // a stopped container has no address: its gateway is left out (no handshake waits on a dead address)
    expect(servers('gateway-1 10.89.0.14 \ngateway-2 \napi 10.89.0.11 \n')).toEqual(['server 10.89.0.14:6001 max_fails=0;']);
    expect(servers('gateway-1 10.89.0.9 fd00::9 \ngateway-2 \napi 10.89.0.11 \n')).toEqual(['server 10.89.0.9:6001 max_fails=0;', 'server [fd00::9]:6001 max_fails=0;']);
    expect(servers('gateway-1 \ngateway-2 \napi 10.89.0.11 \n')).toEqual(['server 127.0.0.1:6001 down;']);
  });

  it('adds the push worker behind the push profile, after the migration step, with devices in PostgreSQL', () => {
    const { push, migrate, api } = COMPOSE.services;
    expect(push.profiles).toEqual(['push']);
    expect(migrate.profiles).toContain('push');
    expect(push.command[0]).toBe('push');
    expect(migrate.command).toEqual(['migrate']);
    // a one-shot: run again only when it failed (PostgreSQL still starting), once PostgreSQL is healthy
    expect(migrate.restart).toBe('on-failure');
    expect(push.depends_on).toMatchObject({ redis: {}, postgres: {}, migrate: { condition: 'service_completed_successfully' } });
    expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    // the api serves the push APIs when PUSH_ENABLED is true, from the same PostgreSQL the worker reads
    expect(api.environment.PUSH_STORAGE_DRIVER).toBe('postgres');
    expect(api.environment.PUSH_ENABLED).toBe('${PUSH_ENABLED:-false}');
    expect(push.environment.DATABASE_URL).toBe(api.environment.DATABASE_URL);
    // the entrypoint knows both commands
    const entry = readFileSync(join(ROOT, 'deploy/docker/entrypoint.mjs'), 'utf8');
    expect(entry).toMatch(/push: 'services\/push\/dist\/main\.js'/);
    expect(entry).toMatch(/migrate: 'shared\/dist\/db\/migrate-cli\.js'/);
  });

  it('adds the history service behind the history profile, after the one migration step it shares with push', () => {
    const { history, migrate, push } = COMPOSE.services;
    expect(history.profiles).toEqual(['history']);
    expect([...migrate.profiles].sort()).toEqual(['history', 'push']);
    expect(history.command).toEqual(['history', '--config', '/etc/sockudo/config.toml']);
    expect(history.restart).toBe('unless-stopped');
    expect(Array.isArray(history.healthcheck.test)).toBe(true);
    // one migration service: push and history both start once it has finished, nothing else applies the schema
    expect(history.depends_on).toMatchObject({ nats: {}, postgres: {}, migrate: { condition: 'service_completed_successfully' } });
    expect(push.depends_on.migrate).toEqual(history.depends_on.migrate);
    expect(Object.entries(COMPOSE.services).filter(([, s]) => s.command?.[0] === 'migrate').map(([name]) => name)).toEqual(['migrate']);
    expect(history.environment.DATABASE_URL).toBe(COMPOSE.services.api.environment.DATABASE_URL);
    // the entrypoint and the image know the service
    const entry = readFileSync(join(ROOT, 'deploy/docker/entrypoint.mjs'), 'utf8');
    expect(entry).toMatch(/history: 'services\/history\/dist\/main\.js'/);
    const dockerfile = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8');
    expect(dockerfile).toContain('COPY --from=build /src/services/history/dist services/history/dist');
    expect(dockerfile).toMatch(/tsc -b [^\n]*services\/history/);
  });

  it('points gateways and the api at the history service, which listens there, once .env turns history on', () => {
    const on = { RECOVERY_ENABLED: 'true', HISTORY_ENABLED: 'true' };
    const history = serviceConfig('history', on);
    expect(history.history.enabled).toBe(true);
    for (const name of ['gateway-1', 'gateway-2', 'api']) {
      const config = serviceConfig(name, on);
      expect([name, config.history.enabled, config.recovery.enabled]).toEqual([name, true, true]);
      const [host, port] = config.history.grpc_url.split(':');
      expect([name, host, Number(port)]).toEqual([name, 'history', history.history.grpc_port]);
    }
    // it binds every interface of its container, so that other containers reach it
    expect(history.history.grpc_host).toBe('0.0.0.0');
    // blank in .env: the config file decides (history and recovery off by default)
    const off = serviceConfig('api', {});
    expect([off.history.enabled, off.recovery.enabled]).toEqual([false, false]);
  });

  it('uses only variable forms podman-compose 1.0 substitutes (it leaves ${VAR:-} with an empty default as text)', () => {
    expect(TEXT).not.toMatch(/\$\{[A-Za-z_][A-Za-z0-9_]*:?-\}/);
  });

  it('documents every variable it reads in .env.example', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const used = new Set([...TEXT.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
    for (const v of used) expect([v, example.includes(`${v}=`)]).toEqual([v, true]);
  });

  // why: docker-compose is a Debian package (.ci/run installs it); a developer without it gets a skip, CI a failure.
  const dockerCompose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!dockerCompose && process.env.CI !== 'true')('is a valid compose file for docker-compose', () => {
    expect(dockerCompose, 'docker-compose is not installed: apt-get install --no-install-recommends docker-compose').toBe(true);
    const r = spawnSync('docker-compose', ['--env-file', '.env.example', '-f', 'docker-compose.yml', '-f', 'tests/containers/compose.test.yml', 'config', '-q'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
