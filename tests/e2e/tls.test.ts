import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENSSL, apiClient, peerSerial, pusherJsOverTls, freePort, makeCertificates, startServer, waitFor, type TestCertificates, type TestServer } from '../kit/index.js';

const present = existsSync(OPENSSL);

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

  it('stops start-up naming the key when a PEM file is missing or the passphrase is wrong', async () => {
    await expect(startServer({ config: { ssl: { enabled: true, cert_path: `${certs.dir}/missing.pem`, key_path: certs.keyPath } } })).rejects.toThrow(/ssl\.cert_path: cannot read .*missing\.pem: ENOENT/);
    await expect(startServer({ config: { ssl: { enabled: true, cert_path: certs.certPath, key_path: certs.keyPath, passphrase: 'wrong' } } })).rejects.toThrow(/ssl\.cert_path and ssl\.key_path: .* do not make a usable pair \(wrong ssl\.passphrase\?\)/);
  });
});
