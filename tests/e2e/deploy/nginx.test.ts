import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PusherJsImport from 'pusher-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NATS,
  REDIS,
  START_TIMEOUT_MS,
  apiClient,
  apiCall,
  binariesPresent,
  freePort,
  nextEvent,
  onBounce,
  servicesUp,
  startCluster,
  startServer,
  waitFor,
  waitListening,
  type PusherClient,
  type TestApp,
  type TestCluster,
  type TestServer,
} from '../../kit/index.js';
import { ROOT } from '../../kit/process.js';

const PusherJs = PusherJsImport as unknown as typeof PusherJsImport.default;

// Issue 9 §4: the shipped nginx files, run by the real nginx (Debian package) in front of real servers.
const NGINX = { name: 'nginx', path: '/usr/sbin/nginx', install: 'apt-get install --no-install-recommends nginx' };
const OPENSSL = { name: 'openssl', path: '/usr/bin/openssl', install: 'apt-get install openssl' };
const haveNginx = binariesPresent('deploy/nginx', NGINX, OPENSSL);

// why: the test's certificate is self-signed; this worker process only talks to its own nginx.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

/** Nginx is one nginx process (single-process mode: same user as the test, root or not) with its own prefix dir. */
interface Nginx {
  http: number;
  https: number;
  logs: () => string;
  /** access is nginx's access log so far. */
  access: () => string;
  stop(): Promise<void>;
}

/**
 * adapt turns a shipped config into one this test can run: listen on free 127.0.0.1 ports, a generated
 * certificate, the test's upstreams. Every replacement must match, so a changed file fails here loudly.
 */
function adapt(shipped: string, replacements: [string | RegExp, string][]): string {
  let text = shipped;
  for (const [from, to] of replacements) {
    const next = text.replace(typeof from === 'string' ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g') : from, to);
    if (next === text) throw new Error(`the shipped nginx config no longer contains ${String(from)}`);
    text = next;
  }
  return text;
}

async function startNginx(file: string, upstreams: [string | RegExp, string][], extra: [string | RegExp, string][] = []): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'sockudo-nginx-'));
  chmodSync(dir, 0o755);
  for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  const cert = spawnSync(
    OPENSSL.path,
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    { encoding: 'utf8' },
  );
  if (cert.status !== 0) throw new Error(`openssl failed: ${cert.stderr}`);
  const [http, https] = [await freePort(), await freePort()];
  const site = adapt(readFileSync(join(ROOT, 'deploy/nginx', file), 'utf8'), [
    [/^\s*listen \[::\]:\d+.*$/gm, ''],
    ['listen 80;', `listen 127.0.0.1:${http};`],
    ['listen 443 ssl http2;', `listen 127.0.0.1:${https} ssl http2;`],
    [/ssl_certificate\s+\S+;/, `ssl_certificate ${join(dir, 'cert.pem')};`],
    [/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${join(dir, 'key.pem')};`],
    ...upstreams,
    ...extra,
  ]);
  writeFileSync(join(dir, 'sockudo.conf'), site);
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      // why: one process as the current user, so the test runs as root and as anyone else alike.
      'master_process off;',
      'daemon off;',
      `pid ${join(dir, 'nginx.pid')};`,
      'error_log stderr notice;',
      'events { worker_connections 1024; }',
      'http {',
      `  access_log ${join(dir, 'access.log')};`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((d) => `  ${d}_temp_path ${join(dir, d)};`),
      `  include ${join(dir, 'sockudo.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const args = ['-e', 'stderr', '-p', dir, '-c', join(dir, 'nginx.conf')];
  const check = spawnSync(NGINX.path, [...args, '-t'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t refused the adapted ${file}:\n${check.stderr}\n${site}`);
  const child: ChildProcess = spawn(NGINX.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([waitListening(https, START_TIMEOUT_MS, 'nginx'), gone.then(() => Promise.reject(new Error(`nginx exited: ${out}`)))]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    http,
    https,
    logs: () => out,
    access: () => readFileSync(join(dir, 'access.log'), 'utf8'),
    async stop() {
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** tlsClient is pusher-js over wss:// to nginx, authorizing channels like an app backend with the `pusher` SDK. */
function tlsClient(port: number, app: TestApp, userId?: string): PusherClient {
  const backend = apiClient({ host: '127.0.0.1', port, app });
  return new PusherJs(app.key, {
    cluster: 'local',
    wsHost: '127.0.0.1',
    wssPort: port,
    forceTLS: true,
    enabledTransports: ['ws'],
    disableStats: true,
    channelAuthorization: {
      endpoint: '/unused',
      transport: 'ajax',
      customHandler: (params: { socketId: string; channelName: string }, callback: (err: Error | null, data: unknown) => void) => {
        callback(null, backend.authorizeChannel(params.socketId, params.channelName, (userId ? { user_id: userId, user_info: { via: 'nginx' } } : undefined) as never));
      },
    },
  } as never);
}

/** sdk is the `pusher` server SDK over https:// to nginx. */
const sdk = (port: number, app: TestApp) => apiClient({ host: '127.0.0.1', port, app }, app, { useTLS: true, scheme: 'https' });

function connectedTo(client: PusherClient): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not connected through nginx (state ${client.connection.state})`)), 30_000);
    client.connection.bind('connected', () => {
      clearTimeout(timer);
      resolve(client.connection.socket_id);
    });
  });
}

function subscribedTo(client: PusherClient, name: string) {
  const channel = client.subscribe(name);
  return new Promise<typeof channel>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no subscription to ${name} through nginx`)), 30_000);
    channel.bind('pusher:subscription_succeeded', () => {
      clearTimeout(timer);
      resolve(channel);
    });
  });
}

/** get fetches a path over https from nginx and returns status, headers and body. */
function get(port: number, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function getPlain(port: number, path: string): Promise<{ status: number; location: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location') };
}

describe.skipIf(!haveNginx)('deploy/nginx/sockudo-single.conf in front of the embedded server', () => {
  let server: TestServer;
  let nginx: Nginx;
  const clients: PusherClient[] = [];

  beforeAll(async () => {
    server = await startServer({ app: { enable_client_messages: true } });
    nginx = await startNginx('sockudo-single.conf', [['server 127.0.0.1:6001', `server 127.0.0.1:${server.port}`]]);
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await nginx?.stop();
    await server?.stop();
  });

  it('keeps WebSockets open longer than activity_timeout and upgrades them', () => {
    const text = readFileSync(join(ROOT, 'deploy/nginx/sockudo-single.conf'), 'utf8');
    const ws = text.slice(text.indexOf('location /app/'), text.indexOf('location /apps/'));
    expect(ws).toMatch(/proxy_set_header Upgrade\s+\$http_upgrade;/);
    expect(ws).toMatch(/proxy_set_header Connection\s+\$sockudo_connection;/);
    const timeout = Number(/proxy_read_timeout (\d+)s;/.exec(ws)?.[1]);
    expect(timeout).toBeGreaterThan(server.config.activity_timeout);
  });

  it('redirects plain HTTP to HTTPS and answers /up through TLS', async () => {
    expect(await getPlain(nginx.http, '/app/x')).toEqual({ status: 301, location: `https://127.0.0.1/app/x` });
    const up = await get(nginx.https, '/up');
    expect(up.status).toBe(200);
    expect(up.headers['strict-transport-security']).toBe('max-age=63072000');
    expect((await get(nginx.https, '/nothing-here')).status).toBe(404);
  });

  it('carries pusher-js (wss, public + presence channels, client events) and the pusher SDK (https)', async () => {
    const app = server.app;
    const alice = tlsClient(nginx.https, app, 'alice');
    const bob = tlsClient(nginx.https, app, 'bob');
    clients.push(alice, bob);
    await Promise.all([connectedTo(alice), connectedTo(bob)]);
    const [pa, pb] = await Promise.all([subscribedTo(alice, 'nginx-news'), subscribedTo(bob, 'nginx-news')]);
    const got = Promise.all([nextEvent(pa, 'headline', 30_000), nextEvent(pb, 'headline', 30_000)]);
    const api = sdk(nginx.https, app);
    await api.trigger('nginx-news', 'headline', { title: 'through nginx' });
    expect(await got).toEqual([{ title: 'through nginx' }, { title: 'through nginx' }]);

    const room = await subscribedTo(alice, 'presence-nginx');
    const added = nextEvent<{ id: string; info: unknown }>(room, 'pusher:member_added', 30_000);
    const bobRoom = await subscribedTo(bob, 'presence-nginx');
    expect(await added).toEqual({ id: 'bob', info: { via: 'nginx' } });
    const users = await apiCall(() => api.get({ path: '/channels/presence-nginx/users' }));
    expect(users.status).toBe(200);
    expect((users.body as { users: { id: string }[] }).users.map((u) => u.id).sort()).toEqual(['alice', 'bob']);

    const whisper = nextEvent(room, 'client-wave', 30_000);
    bobRoom.trigger('client-wave', { from: 'bob' });
    expect(await whisper).toEqual({ from: 'bob' });
  });

  it('limits the HTTP API per address with 429 once its zone is spent (zone tightened to 1r/m for the test)', async () => {
    const app = server.app;
    const tight = await startNginx(
      'sockudo-single.conf',
      [['server 127.0.0.1:6001', `server 127.0.0.1:${server.port}`]],
      [
        ['zone=sockudo_api:10m rate=50r/s', 'zone=sockudo_api:10m rate=1r/m'],
        ['zone=sockudo_api burst=200', 'zone=sockudo_api burst=3'],
      ],
    );
    try {
      const api = sdk(tight.https, app);
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await apiCall(() => api.get({ path: '/channels' }))).status);
      // 1 request of the rate plus a burst of 3, then refused
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
    } finally {
      await tight.stop();
    }
  });
});

const clusterUp = haveNginx && (await servicesUp('deploy/nginx cluster', NATS, REDIS));

describe.skipIf(!clusterUp)('deploy/nginx/sockudo-cluster.conf in front of two gateways and the api', () => {
  let cluster: TestCluster;
  let nginx: Nginx;
  const clients: PusherClient[] = [];
  /** socketsOn reads how many sockets of the cluster's app a gateway holds (its own metrics; -1 while they are not up). */
  const socketsOn = async (gateway: string): Promise<number> => {
    const text = await fetch(`http://127.0.0.1:${cluster.metricsPorts[gateway]}/metrics`).then((r) => r.text(), () => undefined);
    if (text === undefined) return -1;
    return Number(new RegExp(`^sockudo_connected\\{[^}]*app_id="${cluster.app.id}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  };

  beforeAll(async () => {
    cluster = await startCluster({ gateways: 2 });
    nginx = await startNginx('sockudo-cluster.conf', [
      ['server 10.0.0.11:6001', `server 127.0.0.1:${cluster.gateways[0]!.port}`],
      ['server 10.0.0.12:6001', `server 127.0.0.1:${cluster.gateways[1]!.port}`],
      ['server 10.0.0.21:6100', `server 127.0.0.1:${cluster.api.port}`],
      [/^\s*server 10\.0\.0\.22:6100.*$/m, ''],
    ]);
  }, 240_000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await nginx?.stop();
    await cluster?.stop();
  });

  it('spreads sockets over both gateways (least_conn) and delivers SDK events and presence through one address', async () => {
    const app = cluster.app;
    const a = tlsClient(nginx.https, app, 'ann');
    clients.push(a);
    await connectedTo(a);
    const b = tlsClient(nginx.https, app, 'ben');
    clients.push(b);
    await connectedTo(b);
    // each gateway holds one of the two sockets
    expect(await Promise.all([socketsOn('gateway-1'), socketsOn('gateway-2')])).toEqual([1, 1]);

    const [ca, cb] = await Promise.all([subscribedTo(a, 'presence-lobby'), subscribedTo(b, 'presence-lobby')]);
    const got = Promise.all([nextEvent(ca, 'hello', 30_000), nextEvent(cb, 'hello', 30_000)]);
    const api = sdk(nginx.https, app);
    await api.trigger('presence-lobby', 'hello', { n: 1 });
    expect(await got).toEqual([{ n: 1 }, { n: 1 }]);
    const users = await apiCall(() => api.get({ path: '/channels/presence-lobby/users' }));
    expect((users.body as { users: { id: string }[] }).users.map((u) => u.id).sort()).toEqual(['ann', 'ben']);
    expect((await get(nginx.https, '/ready')).status).toBe(200);
  });

  it('carries a rolling restart: gateway-1 restarts, then gateway-2 drains, and every client is back on gateway-1 with no handshake answered 502', async () => {
    // bounced counts handshakes a draining gateway refused with 4200 (onBounce): the reconnects its own closes
    // caused must reach the other gateway instead
    const bounced: number[] = [];
    const watch = (c: PusherClient) => onBounce(c, () => bounced.push(4200));
    const fleet = clients.slice();
    fleet.forEach(watch);
    const open = async () => {
      const c = tlsClient(nginx.https, cluster.app);
      watch(c);
      clients.push(c);
      fleet.push(c);
      await connectedTo(c);
    };
    for (let i = 0; i < 3; i++) await open();
    const allConnected = () => fleet.every((c) => c.connection.state === 'connected');
    // gateway-1 restarts: its sockets close with 4200 and its port refuses the reconnects meanwhile, which nginx
    // counts as a failed connect to gateway-1 and sends on to gateway-2
    await cluster.gateways[0]!.restart();
    await waitFor(allConnected, 60_000, 'every client to be connected after gateway-1 restarted');
    // new sockets until least_conn puts one on the restarted gateway-1
    await waitFor(
      async () => {
        if ((await socketsOn('gateway-1')) >= 1) return true;
        await open();
        return (await socketsOn('gateway-1')) >= 1;
      },
      60_000,
      'a socket on the restarted gateway-1',
    );
    // the next gateway of the rolling restart drains: its clients reconnect through nginx to gateway-1
    await cluster.gateways[1]!.kill('SIGTERM');
    await waitFor(async () => allConnected() && (await socketsOn('gateway-1')) === fleet.length, 60_000, 'every client to be back, all on gateway-1');
    expect(nginx.access().match(/"GET \/app\/[^"]*" 502 /g) ?? []).toEqual([]);
    expect(bounced).toEqual([]);
  }, 240_000);
});
