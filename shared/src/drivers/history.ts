import { ConfigError, type DriverSettings, type HistoryConfig } from '../config/config.js';
import { databaseProvider, databaseUrl } from '../db/database-url.js';
import type { HistoryReader, HistoryStore } from '../history/history-store.js';
import { MemoryHistoryStore } from '../history/history-store-memory.js';
import type { Opened } from './opened.js';

/**
 * openHistoryStore opens the channel history store: `memory` in process (the embedded server; gone on
 * restart), or `postgres`: the `channel_history` table of the project's PostgreSQL database (`database.url`,
 * else `database.postgres`) through Prisma, loaded only then, with a readiness probe. Fails with
 * DependencyUnavailable when the database does not answer and with DatabaseNotMigrated when it lacks the migrations.
 */
export async function openHistoryStore(config: Pick<DriverSettings, 'database'>, driver: 'memory' | 'postgres'): Promise<Opened<HistoryStore>> {
  if (driver === 'memory') {
    const store = new MemoryHistoryStore();
    return { port: store, close: () => store.close() };
  }
  const { database } = config;
  const url = database.url !== '' ? database.url : databaseUrl('postgres', database.postgres);
  if (databaseProvider(url) !== 'postgres') throw new ConfigError('database.url: the history store needs a postgres:// URL');
  const { PrismaHistoryStore } = await import('../history/history-store-prisma.js');
  const store = await PrismaHistoryStore.open({ url, connectTimeoutMs: database.connect_timeout_ms });
  let ready = true;
  // why: a probe must answer at once; the database's answer to a periodic query is kept for it.
  const timer = setInterval(() => void store.ready().then((r) => (ready = r)), 2000);
  timer.unref();
  return {
    port: store,
    probe: { name: 'postgres', ready: () => ready },
    close: async () => {
      clearInterval(timer);
      await store.close();
    },
  };
}

/**
 * openHistoryReader opens what the api reads history pages from: the history service over gRPC when
 * `history.grpc_url` is set (loaded only then), else the history table of PostgreSQL directly (openHistoryStore).
 */
export async function openHistoryReader(config: Pick<DriverSettings, 'database'> & { history: Pick<HistoryConfig, 'grpc_url' | 'grpc_deadline_ms'> }): Promise<Opened<HistoryReader>> {
  if (config.history.grpc_url === '') return openHistoryStore(config, 'postgres');
  const { GrpcHistoryReader } = await import('../history/history-grpc.js');
  const reader = new GrpcHistoryReader({ url: config.history.grpc_url, deadlineMs: config.history.grpc_deadline_ms });
  return { port: reader, close: async () => reader.close() };
}
