import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { ROOT } from './process.js';

/** TestCertificates are a private CA and a server certificate it signed for localhost and 127.0.0.1, as PEM files. */
export interface TestCertificates {
  dir: string;
  caPath: string;
  certPath: string;
  keyPath: string;
  /** passphrase encrypts the server key. */
  passphrase: string;
  /** ca is the CA certificate's PEM text (to trust it in an https.Agent). */
  ca: Buffer;
  /** renew issues a new certificate and key from the same CA and moves them over the old files (as certbot does). */
  renew(): void;
  remove(): void;
}

/** OPENSSL is the openssl binary the tests issue their certificates with. */
export const OPENSSL = '/usr/bin/openssl';

/**
 * makeCertificates creates a CA and a server certificate (P-256 keys, valid two days, subjectAltName
 * localhost and 127.0.0.1) with openssl, the server key encrypted with a passphrase.
 */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'sockudo-tls-'));
  const passphrase = 'test-passphrase';
  const run = (...args: string[]): void => void execFileSync(OPENSSL, args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=sockudo-ts test CA');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  let generation = 0;
  const issue = (): { cert: string; key: string } => {
    generation++;
    const key = `key-${generation}.pem`;
    const cert = `cert-${generation}.pem`;
    run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-aes-256-cbc', '-pass', `pass:${passphrase}`, '-out', key);
    run('req', '-new', '-key', key, '-passin', `pass:${passphrase}`, '-out', `csr-${generation}.pem`, '-subj', `/CN=localhost/OU=generation ${generation}`);
    run('x509', '-req', '-in', `csr-${generation}.pem`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', 'ext.cnf');
    return { cert: join(dir, cert), key: join(dir, key) };
  };
  const first = issue();
  const certPath = join(dir, 'fullchain.pem');
  const keyPath = join(dir, 'privkey.pem');
  renameSync(first.cert, certPath);
  renameSync(first.key, keyPath);
  return {
    dir,
    caPath: join(dir, 'ca.pem'),
    certPath,
    keyPath,
    passphrase,
    ca: readFileSync(join(dir, 'ca.pem')),
    renew: () => {
      const next = issue();
      renameSync(next.key, keyPath);
      renameSync(next.cert, certPath);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** peerSerial is the serial number of the certificate the server presents now. */
export function peerSerial(port: number, ca: Buffer): Promise<string> {
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
export function pusherJsOverTls(certs: TestCertificates, port: number, key: string, trigger: () => Promise<void>): Promise<unknown> {
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


/**
 * MutualTls is a CA with a server certificate (localhost, 127.0.0.1) and a client certificate it signed, plus a
 * client certificate signed by another CA (one the server must refuse), all as PEM files with plain keys.
 */
export interface MutualTls {
  dir: string;
  caPath: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  rogueCert: string;
  rogueKey: string;
  remove(): void;
}

/** makeMutualTls issues the certificates of MutualTls with openssl (P-256 keys, valid two days). */
export function makeMutualTls(): MutualTls {
  const dir = mkdtempSync(join(tmpdir(), 'sockudo-mtls-'));
  const run = (...args: string[]): void => void execFileSync(OPENSSL, args, { cwd: dir, stdio: 'pipe' });
  const ca = (name: string): void => run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=sockudo-ts ${name}`);
  ca('ca');
  ca('rogue-ca');
  writeFileSync(join(dir, 'server.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.cnf'), 'extendedKeyUsage=clientAuth\n');
  const issue = (name: string, by: string, ext: string): void => {
    run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', `${by}.pem`, '-CAkey', `${by}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', ext);
  };
  issue('server', 'ca', 'server.cnf');
  issue('client', 'ca', 'client.cnf');
  issue('rogue', 'rogue-ca', 'client.cnf');
  const at = (f: string): string => join(dir, f);
  return {
    dir,
    caPath: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
    rogueCert: at('rogue.pem'),
    rogueKey: at('rogue.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
