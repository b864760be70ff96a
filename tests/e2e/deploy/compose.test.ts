import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../kit/process.js';

// Issue 9 §2, the parts of docker-compose.yml that need no container engine (the stack itself runs in
// `npm run test:containers`).
const TEXT = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const COMPOSE = parse(TEXT, { merge: true }) as { services: Record<string, any> };
const SOCKUDO = ['presence', 'gateway-1', 'gateway-2', 'api', 'webhook'];
const DEFAULT_STACK = ['nats', 'redis', 'postgres', ...SOCKUDO, 'ingress'];

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
    expect(nginx).toMatch(/upstream sockudo_gateways \{[^}]*least_conn;[^}]*server gateway-1:6001[^}]*server gateway-2:6001/);
    expect(nginx).toMatch(/location \/app\/ \{[^}]*proxy_set_header Upgrade\s+\$http_upgrade;[^}]*proxy_read_timeout 300s;/);
    expect(nginx).toMatch(/location \/apps\/ \{[^}]*proxy_pass http:\/\/sockudo_api;/);
  });

  it('uses only variable forms podman-compose 1.0 substitutes (it leaves ${VAR:-} with an empty default as text)', () => {
    expect(TEXT).not.toMatch(/\$\{[A-Za-z_][A-Za-z0-9_]*:?-\}/);
  });

  it('documents every variable it reads in .env.example', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const used = new Set([...TEXT.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
    for (const v of used) expect([v, example.includes(`${v}=`)]).toEqual([v, true]);
  });

  it.skipIf(spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status !== 0)('is a valid compose file for docker-compose', () => {
    const r = spawnSync('docker-compose', ['--env-file', '.env.example', '-f', 'docker-compose.yml', '-f', 'tests/containers/compose.test.yml', 'config', '-q'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
