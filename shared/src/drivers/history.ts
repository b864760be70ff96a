import type { DriverSettings, HistoryConfig } from '../config/config.js';
import { clientTlsOf } from '../grpc/grpc-auth-config.js';
import type { HistoryReader, HistoryStore } from '../history/history-store.js';
import { MemoryHistoryStore } from '../history/history-store-memory.js';
import type { Opened } from './opened.js';
import { openPostgresStore } from './postgres-store.js';

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
  return openPostgresStore(config, 'history store', async (options) => (await import('../history/history-store-prisma.js')).PrismaHistoryStore.open(options));
}

/**
 * openHistoryReader opens what the api reads history pages from: the history service over gRPC when
 * `history.grpc_url` is set (loaded only then; with the token and TLS of `history.grpc_*`), else the history table of PostgreSQL directly (openHistoryStore).
 */
export async function openHistoryReader(
  config: Pick<DriverSettings, 'database'> & { history: Pick<HistoryConfig, 'grpc_url' | 'grpc_deadline_ms' | 'grpc_token' | 'grpc_tls'> },
): Promise<Opened<HistoryReader>> {
  const h = config.history;
  if (h.grpc_url === '') return openHistoryStore(config, 'postgres');
  const { GrpcHistoryReader } = await import('../history/history-grpc.js');
  const tls = clientTlsOf(h.grpc_tls);
  const reader = new GrpcHistoryReader({ url: h.grpc_url, deadlineMs: h.grpc_deadline_ms, token: h.grpc_token, ...(tls === undefined ? {} : { tls }) });
  return { port: reader, close: async () => reader.close() };
}
