/**
 * push-sinks.ts are the push providers of the push scenario: an APNs (HTTP/2 over TLS), an FCM (OAuth token
 * endpoint and messages:send) and a Web Push service that accept every request at once and count them per
 * provider. They check nothing (the fakes of services/push/test do); they exist so that the bench measures
 * the server's fan-out, signing and encryption, not a provider. TLS uses a throw-away CA made with openssl.
 */
import { execFileSync } from 'node:child_process';
import { createECDH, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** SinkCounts are the requests each sink accepted. */
export interface SinkCounts {
  apns: number;
  fcm: number;
  web: number;
}

/** PushSinks are the three running sinks, the `[push]` config pointing at them, and a subscription key for web devices. */
export interface PushSinks {
  counts: SinkCounts;
  /** toml is the `[push.providers*]` part of a config file for these sinks. */
  toml: string;
  /** webKeys are a valid p256dh / auth pair every bench browser subscription uses. */
  webKeys: { p256dh: string; auth: string };
  /** webOrigin is the Web Push sink's origin (`https://127.0.0.1:<port>`). */
  webOrigin: string;
  close(): Promise<void>;
}

/** startPushSinks starts the sinks and writes their keys and CA into `dir`. */
export async function startPushSinks(dir: string): Promise<PushSinks> {
  mkdirSync(dir, { recursive: true });
  const tls = certificates();
  const counts: SinkCounts = { apns: 0, fcm: 0, web: 0 };
  const apns: Http2SecureServer = createSecureServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    req.resume();
    req.on('end', () => {
      counts.apns++;
      res.writeHead(200, { 'apns-id': randomBytes(16).toString('hex') }).end();
    });
  });
  const fcm: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/token') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: 'bench-token', token_type: 'Bearer', expires_in: 3600 }));
      counts.fcm++;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ name: `projects/bench/messages/${counts.fcm}` }));
    });
  });
  const web: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    req.resume();
    req.on('end', () => {
      counts.web++;
      res.writeHead(201).end();
    });
  });
  fcm.keepAliveTimeout = 60_000;
  web.keepAliveTimeout = 60_000;
  const listen = (s: Http2SecureServer | Server): Promise<number> => new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  const [apnsPort, fcmPort, webPort] = await Promise.all([listen(apns), listen(fcm), listen(web)]);
  const p8 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const account = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const file = (name: string, text: string): string => (writeFileSync(join(dir, name), text, { mode: 0o600 }), join(dir, name));
  const serviceAccount = { project_id: 'bench', client_email: 'bench@bench.iam.gserviceaccount.com', private_key: account.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), token_uri: `https://127.0.0.1:${fcmPort}/token` };
  const vapid = createECDH('prime256v1');
  vapid.generateKeys();
  const browser = createECDH('prime256v1');
  browser.generateKeys();
  const toml = [
    '[push.providers]',
    `ca_file = "${file('ca.pem', tls.ca)}"`,
    '[push.providers.apns]',
    'enabled = true',
    'team_id = "BENCHTEAM1"',
    'key_id = "BENCHKEY01"',
    `private_key_path = "${file('AuthKey.p8', p8.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())}"`,
    'bundle_id = "com.example.bench"',
    `endpoint = "https://127.0.0.1:${apnsPort}"`,
    '[push.providers.fcm]',
    'enabled = true',
    `credentials_path = "${file('service-account.json', JSON.stringify(serviceAccount))}"`,
    `endpoint = "https://127.0.0.1:${fcmPort}"`,
    '[push.providers.webpush]',
    'enabled = true',
    'vapid_subject = "mailto:bench@example.com"',
    `vapid_public_key = "${vapid.getPublicKey().toString('base64url')}"`,
    `vapid_private_key = "${vapid.getPrivateKey().toString('base64url')}"`,
    '',
  ].join('\n');
  const close = (s: Http2SecureServer | Server): Promise<void> => new Promise((resolve) => s.close(() => resolve()));
  return {
    counts,
    toml,
    webKeys: { p256dh: browser.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') },
    webOrigin: `https://127.0.0.1:${webPort}`,
    close: async () => {
      (fcm as Server).closeAllConnections?.();
      (web as Server).closeAllConnections?.();
      await Promise.all([close(apns), close(fcm), close(web)]);
    },
  };
}

/** certificates makes a CA and a server certificate for 127.0.0.1 with the openssl CLI (keys never stay on disk). */
function certificates(): { ca: string; key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-push-ca-'));
  const path = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl('req', '-x509', ...ec, '-keyout', path('ca.key'), '-out', path('ca.pem'), '-days', '2', '-subj', '/CN=sockudo-ts bench CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    openssl('req', ...ec, '-keyout', path('server.key'), '-out', path('server.csr'), '-subj', '/CN=localhost');
    writeFileSync(path('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
    openssl('x509', '-req', '-in', path('server.csr'), '-CA', path('ca.pem'), '-CAkey', path('ca.key'), '-CAcreateserial', '-out', path('server.pem'), '-days', '2', '-extfile', path('ext.cnf'));
    return { ca: readFileSync(path('ca.pem'), 'utf8'), key: readFileSync(path('server.key'), 'utf8'), cert: readFileSync(path('server.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
