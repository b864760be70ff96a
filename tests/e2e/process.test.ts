import { connect, type Socket } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, connected, newApp, nextEvent, pusherClient, rawClient, subscribed, type PusherClient, type TestApp, type TestServer } from '../kit/index.js';
import { CountingAgent, httpRequest, sendHeadersOnly, signedPath, signedRequest } from '../kit/http.js';
import { buildOnce, listening, spawnServer, type ServerProcess } from '../kit/process.js';

// The built server as `npm start` runs it: --config files, start-up errors, SIGTERM (issue 2 §1, §2).
describe('the server process', () => {
  let dir: string;
  const procs: ServerProcess[] = [];
  const clients: PusherClient[] = [];

  beforeAll(() => {
    buildOnce();
    dir = mkdtempSync(join(tmpdir(), 'sockudo-process-'));
  }, 120_000);
  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
    for (const p of procs.splice(0)) p.kill();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const start = (args: string[], env: Record<string, string> = {}): ServerProcess => {
    const p = spawnServer(args, { cwd: dir, env });
    procs.push(p);
    return p;
  };
  /** withApp runs the server on 127.0.0.1, any free port, with `app` as its one app from SOCKUDO_DEFAULT_APP_*, plus `env`. */
  const withApp = (app: TestApp, env: Record<string, string>): ServerProcess =>
    start([], { HOST: '127.0.0.1', PORT: '0', SOCKUDO_DEFAULT_APP_ID: app.id, SOCKUDO_DEFAULT_APP_KEY: app.key, SOCKUDO_DEFAULT_APP_SECRET: app.secret, ...env });
  /** target describes a spawned server to the test kit's clients. */
  const target = (port: number, app: TestApp): TestServer => ({ host: '127.0.0.1', port, app, apps: [app] }) as unknown as TestServer;

  /** checkServes proves the spawned server uses the file's ports and app: health, SDK trigger to pusher-js, metrics. */
  async function checkServes(port: number, metricsPort: number, app: TestApp): Promise<void> {
    const server = target(port, app);
    expect((await httpRequest(server, 'GET', '/up')).text).toBe('OK');
    expect((await httpRequest(server, 'GET', `/up/${app.id}`)).status).toBe(200);
    // The default app exists only when no app is configured.
    expect((await httpRequest(server, 'GET', '/up/app-id')).status).toBe(404);
    const client = pusherClient(server);
    clients.push(client);
    const channel = await subscribed(client, 'from-file');
    const got = nextEvent(channel, 'hello');
    await apiClient(server).trigger('from-file', 'hello', { ok: true });
    expect(await got).toEqual({ ok: true });
    expect((await httpRequest(server, 'GET', '/metrics', '', { port: metricsPort })).text).toContain('sockudo_connected{app_id="' + app.id + '"} 1');
  }

  it('runs with a TOML file given by --config, with ${VAR} substituted from the environment', async () => {
    const app = newApp();
    const file = write(
      'server.toml',
      `host = "127.0.0.1"
port = 0
[metrics]
host = "127.0.0.1"
port = \${TEST_METRICS_PORT}
[[app_manager.array.apps]]
id = "${app.id}"
key = "${app.key}"
secret = "\${TEST_APP_SECRET}"
`,
    );
    const proc = start(['--config', file], { TEST_METRICS_PORT: '0', TEST_APP_SECRET: app.secret });
    // Port 0 from the file (the default would be 6001) proves the file was read.
    const { port, metricsPort } = await listening(proc);
    expect(port).not.toBe(6001);
    expect(metricsPort).not.toBe(9601);
    await checkServes(port, metricsPort!, app);
    // Without debug, no debug lines.
    expect(proc.stdout()).not.toMatch(/"level":20/);
  });

  it('runs with a JSON file given by --config=FILE, and the environment overrides it', async () => {
    const app = newApp();
    const file = write(
      'server.json',
      JSON.stringify({
        host: '127.0.0.1',
        port: 1, // overridden by PORT below
        metrics: { host: '127.0.0.1', port: 0 },
        app_manager: { driver: 'memory', array: { apps: [{ id: app.id, key: app.key, secret: app.secret }] } },
      }),
    );
    const proc = start([`--config=${file}`], { PORT: '0' });
    const { port, metricsPort } = await listening(proc);
    expect(port).not.toBe(1);
    await checkServes(port, metricsPort!, app);
  });

  it('reads config/config.toml from its working directory, under --config and the environment', async () => {
    const base = newApp();
    const over = newApp();
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    mkdirSync(join(cwd, 'config'));
    writeFileSync(
      join(cwd, 'config', 'config.toml'),
      `host = "127.0.0.1"\nport = 1\nactivity_timeout = 41\n[metrics]\nenabled = false\n[[app_manager.array.apps]]\nid = "${base.id}"\nkey = "${base.key}"\nsecret = "${base.secret}"\n`,
    );
    const alone = spawnServer([], { cwd, env: { PORT: '0' } });
    procs.push(alone);
    const { port } = await listening(alone);
    expect((await httpRequest(target(port, base), 'GET', `/up/${base.id}`)).status).toBe(200);
    const raw = await rawClient(target(port, base), `/app/${base.key}?protocol=7`);
    expect(JSON.parse((await raw.event('pusher:connection_established')).data!)).toMatchObject({ activity_timeout: 41 });
    raw.close();
    // --config replaces the app list and wins key by key; what it leaves out still comes from config/config.toml.
    writeFileSync(join(cwd, 'over.toml'), `[[app_manager.array.apps]]\nid = "${over.id}"\nkey = "${over.key}"\nsecret = "${over.secret}"\n`);
    const layered = spawnServer(['--config', 'over.toml'], { cwd, env: { PORT: '0' } });
    procs.push(layered);
    const second = await listening(layered);
    expect((await httpRequest(target(second.port, over), 'GET', `/up/${over.id}`)).status).toBe(200);
    expect((await httpRequest(target(second.port, over), 'GET', `/up/${base.id}`)).status).toBe(404);
    expect(second.metricsPort).toBeUndefined();
  });

  it('runs with only environment variables: SOCKUDO_DEFAULT_APP_*, ACTIVITY_TIMEOUT, DEBUG', async () => {
    const app = newApp();
    const proc = withApp(app, {
      METRICS_PORT: '0',
      ACTIVITY_TIMEOUT: '33',
      DEBUG: 'true',
    });
    const { port } = await listening(proc);
    const server = target(port, app);
    expect((await signedRequest(server, { path: '/channels' })).json).toEqual({ channels: {} });
    const raw = await rawClient(server, `/app/${app.key}?protocol=7`);
    const established = await raw.event('pusher:connection_established');
    expect(JSON.parse(established.data!)).toMatchObject({ activity_timeout: 33 });
    raw.close();
    // DEBUG turns on debug lines (level 20), such as the HTTP API request log.
    expect(proc.stdout()).toMatch(/"level":20[^\n]*"HTTP API request"/);
    // The secret is never printed, even in the start-up line that lists the apps.
    expect(proc.stdout()).toContain(app.id);
    expect(proc.stdout()).not.toContain(app.secret);
  });

  it.each([
    ['a bad value', 'bad-value.toml', 'port = "lots"\n', /bad-value\.toml: port: expected a number/],
    ['an unknown driver', 'bad-driver.toml', '[app_manager]\ndriver = "mongodb"\n', /bad-driver\.toml: app_manager\.driver: expected one of/],
    ['a bad app field', 'bad-app.json', '{"app_manager":{"array":{"apps":[{"id":"a","key":"k","secret":"s","max_connections":"x"}]}}}', /bad-app\.json: app_manager\.array\.apps\[0\]\.max_connections/],
    ['a syntax error', 'broken.toml', 'port = = 1\n', /broken\.toml: cannot parse TOML/],
  ])('exits non-zero with a message naming the key and the file for %s', async (_what, name, text, message) => {
    const proc = start(['--config', write(name, text)]);
    const { code } = await proc.exited;
    expect(code).not.toBe(0);
    expect(proc.stderr()).toMatch(message);
    expect(proc.stdout()).not.toMatch(/listening/);
  });

  it('exits non-zero for --config without a file', async () => {
    const proc = start(['--config']);
    expect((await proc.exited).code).not.toBe(0);
    expect(proc.stderr()).toMatch(/--config: expected a file path/);
  });

  it('exits non-zero naming the variable for a bad environment value, and naming a missing --config file', async () => {
    const bad = start([], { PORT: 'eighty' });
    expect((await bad.exited).code).not.toBe(0);
    expect(bad.stderr()).toMatch(/environment variable PORT: port: expected a number/);
    const missing = start(['--config', join(dir, 'nope.toml')]);
    expect((await missing.exited).code).not.toBe(0);
    expect(missing.stderr()).toMatch(/nope\.toml: cannot read config file/);
  });

  it('exits non-zero with a one-line message naming the address and key when a port is taken', async () => {
    const first = start([], { HOST: '127.0.0.1', PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_PORT: '0' });
    const { port, metricsPort } = await listening(first);
    const second = start([], { HOST: '127.0.0.1', PORT: String(port), METRICS_ENABLED: 'false' });
    expect((await second.exited).code).not.toBe(0);
    expect(second.stderr()).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(config key port\\): address already in use`));
    expect(second.stderr()).not.toMatch(/^\s+at /m);
    const third = start([], { HOST: '127.0.0.1', PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_PORT: String(metricsPort) });
    expect((await third.exited).code).not.toBe(0);
    expect(third.stderr()).toMatch(new RegExp(`:${metricsPort} \\(config key metrics\\.port\\): address already in use`));
  });

  it('on SIGTERM closes pusher-js and raw sockets with 4200 and exits 0 by itself, without waiting out shutdown_grace_period', async () => {
    const app = newApp();
    const proc = withApp(app, {
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: '0',
      // why: a grace far past the test's timeout: the process must exit because nothing holds it, not because
      // the grace ran out; the test's timeout reports a shutdown that waits.
      SHUTDOWN_GRACE_PERIOD: '600',
    });
    const { port, metricsPort } = await listening(proc);
    const server = target(port, app);
    const client = pusherClient(server);
    clients.push(client);
    await connected(client);
    await subscribed(client, 'shutdown');
    const pusherCodes: number[] = [];
    client.connection.bind('error', (e: { data?: { code?: number } }) => {
      if (e.data?.code !== undefined) pusherCodes.push(e.data.code);
    });
    const raws = [await rawClient(server, `/app/${app.key}?protocol=7`), await rawClient(server, `/app/${app.key}?protocol=7`)];
    await Promise.all(raws.map((r) => r.socketId()));
    // Idle keep-alive connections (an SDK, a Prometheus scraper) must not hold the shutdown either.
    const agent = new CountingAgent();
    expect((await signedRequest(server, { path: '/channels', agent })).status).toBe(200);
    expect((await httpRequest(server, 'GET', '/metrics', '', { port: metricsPort, agent })).status).toBe(200);

    proc.child.kill('SIGTERM');
    const closes = await Promise.all(raws.map((r) => r.closed));
    expect(closes.map((c) => c.code)).toEqual([4200, 4200]);
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
    expect(pusherCodes).toContain(4200);
    agent.destroy();
  });

  it('does not let a peer that never answers the close hold the process: it is cut and the process exits by itself', async () => {
    const app = newApp();
    const proc = withApp(app, {
      METRICS_ENABLED: 'false',
      // why: as above, the grace cannot be what ends the shutdown: the close's own cut of the silent peer must.
      SHUTDOWN_GRACE_PERIOD: '600',
    });
    const { port } = await listening(proc);
    // A hand-made WebSocket client that completes the upgrade, then never reads again.
    const socket = await upgradedThenDeaf(port, app);
    proc.child.kill('SIGTERM');
    const exit = await proc.exited;
    socket.destroy();
    expect(exit.code).toBe(0);
  });

  it('on SIGTERM refuses new connections at the port before its first 4200, so a reconnect cannot land on the draining server', async () => {
    const app = newApp();
    const proc = withApp(app, {
      METRICS_ENABLED: 'false',
      SHUTDOWN_GRACE_PERIOD: '600',
    });
    const { port } = await listening(proc);
    const server = target(port, app);
    // A socket that never reads holds the drain (its close is cut after 2 s), so sockets are still closing when the
    // well-behaved one below has its 4200.
    const silent = await upgradedThenDeaf(port, app);
    // An HTTP request whose body is still owed holds the process after the drain, so it cannot have exited (and
    // freed the port) by the time the new connection is tried.
    const body = JSON.stringify({ name: 'late', channel: 'c', data: '{}' });
    const slow = await sendHeadersOnly(server, signedPath(app, 'POST', '/events', body), Buffer.byteLength(body));
    const raw = await rawClient(server, `/app/${app.key}?protocol=7`);
    await raw.socketId();
    let exited = false;
    void proc.exited.then(() => (exited = true));

    proc.child.kill('SIGTERM');
    expect((await raw.closed).code).toBe(4200);
    const attempt = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve('accepted')));
      s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    expect(attempt).toBe('ECONNREFUSED');
    expect(exited).toBe(false);

    // the request in flight is still answered, then the process exits by itself
    slow.socket.end(body);
    expect(await slow.response).toMatch(/^HTTP\/1\.1 200 /);
    expect((await proc.exited).code).toBe(0);
    silent.destroy();
  });
});

/** upgradedThenDeaf opens a WebSocket by hand, waits for connection_established, then never reads again. */
async function upgradedThenDeaf(port: number, app: TestApp): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let handshake = '';
  await new Promise<void>((resolve) => {
    socket.on('connect', () =>
      socket.write(
        `GET /app/${app.key}?protocol=7 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      ),
    );
    socket.on('data', (d: Buffer) => {
      handshake += d.toString('latin1');
      if (handshake.includes('connection_established')) {
        socket.pause();
        resolve();
      }
    });
  });
  return socket;
}
