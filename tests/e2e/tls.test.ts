import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../kit/process.js';
import { OPENSSL, apiClient, freePort, makeCertificates, startServer, waitFor, type TestCertificates, type TestServer } from '../kit/index.js';

const present = existsSync(OPENSSL);

/** peerSerial is the serial number of the certificate the server presents now. */
function peerSerial(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.once('error', reject);
  });
}

/**
 * pusherJsOverTls runs pusher-js with forceTLS in a child process that trusts the test CA through
 * NODE_EXTRA_CA_CERTS (read by Node only at start), subscribes, and prints the first `hello` event it gets.
 */
function pusherJsOverTls(certs: TestCertificates, port: number, key: string, trigger: () => Promise<void>): Promise<unknown> {
  const script = join(certs.dir, 'client.mjs');
  writeFileSync(
    script,
    `import PusherModule from ${JSON.stringify(join(ROOT, 'node_modules/pusher-js/dist/node/pusher.js'))};
import { writeSync } from 'node:fs';
const Pusher = PusherModule.default ?? PusherModule;
// why: pusher-js keeps no handle open while it waits to connect; this keeps the process alive until the event.
setInterval(() => undefined, 1000);
const say = (o) => writeSync(1, JSON.stringify(o) + '\\n');
Pusher.log = (m) => writeSync(2, String(m) + '\\n');
const client = new Pusher(${JSON.stringify(key)}, { cluster: 'local', wsHost: 'localhost', wssPort: ${port}, forceTLS: true, enabledTransports: ['ws'] });
client.connection.bind('error', (e) => { say({ error: JSON.stringify(e) }); process.exit(1); });
const channel = client.subscribe('tls-news');
channel.bind('pusher:subscription_succeeded', () => say({ subscribed: true, encrypted: client.connection.usingTLS }));
channel.bind('hello', (data) => { say({ data }); client.disconnect(); process.exit(0); });
`,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: certs.caPath }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"subscribed":true') && !out.includes('triggered')) {
        out += 'triggered\n';
        trigger().catch(reject);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('{"data"'));
      if (line === undefined) reject(new Error(`pusher-js over TLS got no event (exit ${signal ?? code}):\n${out}${err}`));
      else resolve({ ...(JSON.parse(line) as object), usingTLS: out.includes('"encrypted":true') });
    });
  });
}

describe.skipIf(!present)('TLS listener ([ssl])', () => {
  let certs: TestCertificates;
  let server: TestServer;
  let redirectPort: number;
  beforeAll(async () => {
    certs = makeCertificates();
    redirectPort = await freePort();
    server = await startServer({
      config: {
        ssl: { enabled: true, cert_path: certs.certPath, key_path: certs.keyPath, passphrase: certs.passphrase, ca_path: certs.caPath, redirect_http: true, http_port: redirectPort },
      },
    });
  });
  afterAll(async () => {
    await server?.stop();
    certs?.remove();
  });

  it('serves WSS to pusher-js with forceTLS and HTTPS to the SDK with useTLS', async () => {
    const api = apiClient({ ...server, host: 'localhost' }, server.app, { useTLS: true, agent: new Agent({ ca: certs.ca }) });
    const got = await pusherJsOverTls(certs, server.port, server.app.key, async () => {
      await api.trigger('tls-news', 'hello', { over: 'tls' });
    });
    expect(got).toEqual({ data: { over: 'tls' }, usingTLS: true });
    const res = await api.get({ path: '/channels' });
    expect(res.status).toBe(200);
  });

  it('refuses plain HTTP on the TLS port', async () => {
    await expect(fetch(`http://127.0.0.1:${server.port}/up`)).rejects.toThrow();
  });

  it('picks up a certificate renewed on disk without a restart', async () => {
    const before = await peerSerial(server.port, certs.ca);
    certs.renew();
    await waitFor(async () => (await peerSerial(server.port, certs.ca)) !== before, 15_000, 'the renewed certificate to be served');
    const api = apiClient({ ...server, host: 'localhost' }, server.app, { useTLS: true, agent: new Agent({ ca: certs.ca }) });
    expect((await api.get({ path: '/channels' })).status).toBe(200);
  });

  it('redirects plain HTTP on ssl.http_port with a 301 to the same host and path over HTTPS', async () => {
    const answer = await new Promise<{ status: number; location?: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: redirectPort, path: '/apps/1/channels?filter_by_prefix=a', headers: { host: 'ws.example.test:8080' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      });
      req.once('error', reject);
      req.end();
    });
    expect(answer).toEqual({ status: 301, location: `https://ws.example.test:${server.port}/apps/1/channels?filter_by_prefix=a` });
  });
});
