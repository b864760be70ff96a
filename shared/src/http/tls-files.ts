import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from '../telemetry/logger.js';

/** TlsFiles are the PEM files a TLS listener serves from. */
export interface TlsFiles {
  certPath: string;
  keyPath: string;
  /** passphrase decrypts an encrypted key; empty for none. */
  passphrase: string;
  /** caPath is a PEM file of CA certificates; empty for none. */
  caPath: string;
}

/** TLS_WATCH_INTERVAL_MS is how often the PEM files are checked for a renewal. */
export const TLS_WATCH_INTERVAL_MS = 1000;

/**
 * readTls reads the PEM files into secure context options and checks that they make one: a missing file, a
 * wrong passphrase or a key that does not match the certificate throws, naming the file or the problem.
 */
export function readTls(files: TlsFiles): SecureContextOptions {
  const read = (path: string, key: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const options: SecureContextOptions = { cert: read(files.certPath, 'ssl.cert_path'), key: read(files.keyPath, 'ssl.key_path') };
  if (files.passphrase !== '') options.passphrase = files.passphrase;
  if (files.caPath !== '') options.ca = read(files.caPath, 'ssl.ca_path');
  try {
    createSecureContext(options);
  } catch (err) {
    throw new Error(`ssl.cert_path and ssl.key_path: ${files.certPath} and ${files.keyPath} do not make a usable pair (wrong ssl.passphrase?): ${(err as Error).message}`);
  }
  return options;
}

/**
 * watchTls calls `apply` with freshly read options whenever a PEM file changes on disk (polled, so that a
 * renewal by rename, as certbot does, is seen too). A half-written renewal (a new certificate with the old key)
 * is logged and skipped; the next change completes it. It returns the function that stops watching.
 */
export function watchTls(files: TlsFiles, apply: (options: SecureContextOptions) => void, logger: Logger): () => void {
  const paths = [files.certPath, files.keyPath, ...(files.caPath === '' ? [] : [files.caPath])];
  const changed = (): void => {
    try {
      apply(readTls(files));
      logger.info({ cert: files.certPath }, 'TLS certificate reloaded');
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'TLS files changed but cannot be used yet; serving the previous certificate');
    }
  };
  for (const path of paths) watchFile(path, { interval: TLS_WATCH_INTERVAL_MS, persistent: false }, changed);
  return () => {
    for (const path of paths) unwatchFile(path, changed);
  };
}
