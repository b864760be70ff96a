import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** TestCertificates are a throw-away CA and a server certificate it signed for 127.0.0.1 and localhost. */
export interface TestCertificates {
  /** ca is the CA certificate (PEM) the clients under test trust. */
  ca: string;
  /** key and cert are the fake servers' private key and certificate (PEM). */
  key: string;
  cert: string;
}

/** OPENSSL is the openssl program the fakes' certificates are made with (binariesPresent shape). */
export const OPENSSL = { name: 'openssl', path: '/usr/bin/openssl', install: 'apt-get install openssl' };

let cached: TestCertificates | undefined;

/**
 * testCertificates makes a CA and a server certificate with the openssl CLI, once per test process, in a
 * temporary directory that is removed at once: no private key is ever committed or left on disk.
 */
export function testCertificates(): TestCertificates {
  if (cached !== undefined) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'push-fake-ca-'));
  const path = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync(OPENSSL.path, args, { stdio: 'pipe' });
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl('req', '-x509', ...ec, '-keyout', path('ca.key'), '-out', path('ca.pem'), '-days', '2', '-subj', '/CN=sockudo-ts push test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    openssl('req', ...ec, '-keyout', path('server.key'), '-out', path('server.csr'), '-subj', '/CN=localhost');
    writeFileSync(path('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
    openssl('x509', '-req', '-in', path('server.csr'), '-CA', path('ca.pem'), '-CAkey', path('ca.key'), '-CAcreateserial', '-out', path('server.pem'), '-days', '2', '-extfile', path('ext.cnf'));
    cached = { ca: readFileSync(path('ca.pem'), 'utf8'), key: readFileSync(path('server.key'), 'utf8'), cert: readFileSync(path('server.pem'), 'utf8') };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
