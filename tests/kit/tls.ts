import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
