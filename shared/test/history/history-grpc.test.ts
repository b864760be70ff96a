import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAppId, asChannelName, createLogger, DependencyUnavailable, HistoryQueryError, MemoryHistoryStore } from '@sockudo-ts/shared';
import { GrpcHistoryReader, GrpcHistoryServer } from '@sockudo-ts/shared/implementations';
import { makeCertificates } from '../../../tests/kit/tls.js';

describe('history over gRPC (proto/history.proto)', () => {
  const store = new MemoryHistoryStore();
  const server = new GrpcHistoryServer(store, createLogger({ level: 'silent', service: 'test' }));
  let reader: GrpcHistoryReader;
  const app = asAppId('grpc-app');
  const channel = asChannelName('feed');
  beforeAll(async () => {
    await store.append(Array.from({ length: 30 }, (_, i) => ({ app_id: app, channel, serial: 10 + 2 * i, stream_id: 's1', message_id: `m${i}`, event: 'e', data: `{"i":${i}}`, published_at_ms: 1_700_000_000_000 + i, ...(i % 3 === 0 ? { user_id: `u${i}` } : {}) })));
    const port = await server.listen('127.0.0.1', 0);
    reader = new GrpcHistoryReader({ url: `127.0.0.1:${port}` });
  });
  afterAll(async () => {
    reader?.close();
    await server.stop(100);
  });

  it('answers exactly what the store answers, bounds and cursors included', async () => {
    const queries = [{}, { limit: 7, direction: 'oldest_first' as const }, { start_serial: 20, end_serial: 40 }, { stream_id: 's1', limit: 5 }, { stream_id: 'other' }, { start_time_ms: 1_700_000_000_005, end_time_ms: 1_700_000_000_009, limit: 2 }];
    for (const query of queries) {
      const remote = await reader.read(app, channel, query);
      // strictly: an item without a user_id has no such key, as from the store
      expect(remote).toStrictEqual(await store.read(app, channel, query));
      if (remote.next_cursor !== null) expect(await reader.read(app, channel, { ...query, cursor: remote.next_cursor })).toEqual(await store.read(app, channel, { ...query, cursor: remote.next_cursor }));
    }
    expect(await reader.read(app, asChannelName('empty'))).toEqual({ items: [], direction: 'newest_first', limit: 100, has_more: false, next_cursor: null });
  });

  it('gives a bad query back as HistoryQueryError and a service that is gone as DependencyUnavailable', async () => {
    await expect(reader.read(app, channel, { cursor: 'nope' })).rejects.toBeInstanceOf(HistoryQueryError);
    await expect(reader.read(app, channel, { limit: 5000 })).rejects.toBeInstanceOf(HistoryQueryError);
    const gone = new GrpcHistoryReader({ url: '127.0.0.1:1', deadlineMs: 500 });
    await expect(gone.read(app, channel)).rejects.toBeInstanceOf(DependencyUnavailable);
    gone.close();
  });

  it('refuses calls without the shared token, or with another one (history.grpc_token)', async () => {
    const guarded = new GrpcHistoryServer(store, createLogger({ level: 'silent', service: 'test' }), { token: 'right-token' });
    const port = await guarded.listen('127.0.0.1', 0);
    const readers = [undefined, 'wrong-token', 'right-token'].map((token) => new GrpcHistoryReader({ url: `127.0.0.1:${port}`, deadlineMs: 5000, ...(token === undefined ? {} : { token }) }));
    try {
      for (const refused of readers.slice(0, 2)) {
        const err = await refused.read(app, channel).catch((e: unknown) => e as Error);
        expect(err).toBeInstanceOf(Error);
        expect(err).not.toBeInstanceOf(DependencyUnavailable);
        expect((err as Error).message).toMatch(/history service: missing or wrong token \(history.grpc_token\)/);
        expect((err as Error).message).not.toMatch(/right-token/);
      }
      expect(await readers[2]!.read(app, channel, { limit: 3 })).toEqual(await store.read(app, channel, { limit: 3 }));
    } finally {
      for (const r of readers) r.close();
      await guarded.stop(100);
    }
  });

  it('serves over TLS only, to clients that trust its CA and present a certificate it signed (history.grpc_tls)', async () => {
    const certs = makeCertificates();
    const serverKey = createPrivateKey({ key: readFileSync(certs.keyPath), passphrase: certs.passphrase }).export({ type: 'pkcs8', format: 'pem' }) as string;
    const serverCert = readFileSync(certs.certPath);
    // why: a second certificate from the same CA serves as the client's.
    certs.renew();
    const clientKey = createPrivateKey({ key: readFileSync(certs.keyPath), passphrase: certs.passphrase }).export({ type: 'pkcs8', format: 'pem' }) as string;
    const clientCert = readFileSync(certs.certPath);
    const secured = new GrpcHistoryServer(store, createLogger({ level: 'silent', service: 'test' }), { token: 't', tls: { cert: serverCert, key: Buffer.from(serverKey), ca: certs.ca } });
    const port = await secured.listen('127.0.0.1', 0);
    const mutual = new GrpcHistoryReader({ url: `localhost:${port}`, deadlineMs: 5000, token: 't', tls: { ca: certs.ca, cert: clientCert, key: Buffer.from(clientKey) } });
    const noClientCert = new GrpcHistoryReader({ url: `localhost:${port}`, deadlineMs: 3000, token: 't', tls: { ca: certs.ca } });
    const plaintext = new GrpcHistoryReader({ url: `localhost:${port}`, deadlineMs: 3000, token: 't' });
    try {
      expect(await mutual.read(app, channel, { limit: 2 })).toEqual(await store.read(app, channel, { limit: 2 }));
      await expect(noClientCert.read(app, channel)).rejects.toBeInstanceOf(DependencyUnavailable);
      await expect(plaintext.read(app, channel)).rejects.toBeInstanceOf(DependencyUnavailable);
    } finally {
      for (const r of [mutual, noClientCert, plaintext]) r.close();
      await secured.stop(100);
      certs.remove();
    }
  });
});
