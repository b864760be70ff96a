import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, listenerSettings, loadConfig } from '@sockudo-ts/shared';
import {
  NGINX_BINARY,
  apiClient,
  binariesPresent,
  nextEvent,
  pusherClient,
  startNginx,
  startServer,
  subscribed,
  waitFor,
  type PusherClient,
  type TestNginx,
  type TestServer,
} from '../kit/index.js';

/** leaveStaleSocket binds a socket file in a child process and kills it, as a crash would leave it. */
async function leaveStaleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}

describe('unix socket listener settings', () => {
  const settings = (unix: Record<string, unknown>, extra: Record<string, string> = {}) =>
    listenerSettings(loadConfig({ argv: [], cwd: tmpdir(), env: { UNIX_SOCKET_ENABLED: 'true', ...extra, ...Object.fromEntries(Object.entries(unix).map(([k, v]) => [`UNIX_SOCKET_${k.toUpperCase()}`, String(v)])) } }));

  it('refuses a relative path, a path with .. and a mode that is not octal', () => {
    expect(() => settings({ path: 'run/sockudo.sock' })).toThrow(ConfigError);
    expect(() => settings({ path: 'run/sockudo.sock' })).toThrow(/unix_socket\.path: must be an absolute path/);
    expect(() => settings({ path: '/run/../etc/sockudo.sock' })).toThrow(/unix_socket\.path: must not contain `\.\.`/);
    expect(() => settings({ path: '/run/sockudo.sock', permission_mode: '999' })).toThrow(/unix_socket\.permission_mode/);
  });

  it('binds the socket instead of host:port, with the mode given', () => {
    expect(settings({ path: '/run/sockudo/s.sock', permission_mode: '0o750' }).unixSocket).toEqual({ path: '/run/sockudo/s.sock', mode: 0o750 });
    expect(settings({ path: '/run/sockudo/s.sock', permission_mode: '660' }).unixSocket).toEqual({ path: '/run/sockudo/s.sock', mode: 0o660 });
  });
});

describe('unix socket listener', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sockudo-unix-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('warns for a world-writable mode and for /tmp in production, removes a stale socket file, and removes its own at stop', async () => {
    const path = join(dir, 'warn.sock');
    await leaveStaleSocket(path);
    expect(statSync(path).isSocket()).toBe(true);
    const server = await startServer({ config: { environment: 'production', unix_socket: { enabled: true, path, permission_mode: '666' } } });
    try {
      expect(statSync(path).mode & 0o777).toBe(0o666);
      const logs = server.logs.join('');
      expect(logs).toMatch(/permission_mode is world-writable/);
      expect(logs).toMatch(/unix_socket\.path is under \/tmp in production/);
    } finally {
      await server.stop();
    }
    expect(existsSync(path)).toBe(false);
  });

  it('refuses to start over a socket another process still listens on', async () => {
    const path = join(dir, 'busy.sock');
    const first = await startServer({ config: { unix_socket: { enabled: true, path } } });
    try {
      await expect(startServer({ config: { unix_socket: { enabled: true, path } } })).rejects.toThrow(/cannot listen on \/.*busy\.sock \(config key unix_socket\.path\): address already in use/);
    } finally {
      await first.stop();
    }
  });
});

const nginxPresent = binariesPresent('unix socket behind nginx', NGINX_BINARY);

describe.skipIf(!nginxPresent)('unix socket listener behind the real nginx (upstream server unix:...)', () => {
  let dir: string;
  let server: TestServer;
  let nginx: TestNginx;
  const clients: PusherClient[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sockudo-unix-'));
    const path = join(dir, 'sockudo.sock');
    server = await startServer({ app: { enable_client_messages: true }, config: { unix_socket: { enabled: true, path, permission_mode: '660' } } });
    nginx = await startNginx(`unix:${path}`);
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await nginx?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves WebSockets, presence, client events and the HTTP API through nginx', async () => {
    const front = { host: '127.0.0.1', port: nginx.port, app: server.app };
    const ann = pusherClient(front, { channelData: () => ({ user_id: 'ann' }) });
    const bob = pusherClient(front, { channelData: () => ({ user_id: 'bob' }) });
    clients.push(ann, bob);
    const annChannel = await subscribed(ann, 'presence-proxied');
    const added = nextEvent<{ id: string }>(annChannel, 'pusher:member_added');
    const bobChannel = await subscribed(bob, 'presence-proxied');
    expect((await added).id).toBe('bob');

    const api = apiClient(front);
    const toBoth = [nextEvent(annChannel, 'news'), nextEvent(bobChannel, 'news')];
    await api.trigger('presence-proxied', 'news', { via: 'nginx' });
    expect(await Promise.all(toBoth)).toEqual([{ via: 'nginx' }, { via: 'nginx' }]);
    const relayed = nextEvent(bobChannel, 'client-wave');
    annChannel.trigger('client-wave', { hi: 1 });
    expect(await relayed).toEqual({ hi: 1 });

    const users = await api.get({ path: '/channels/presence-proxied/users' });
    expect(((await users.json()) as { users: Array<{ id: string }> }).users.map((u) => u.id).sort()).toEqual(['ann', 'bob']);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${nginx.port}/up`)).status === 200, 5000, 'GET /up through nginx');
  });
});
