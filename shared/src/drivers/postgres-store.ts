import { ConfigError, type DriverSettings } from '../config/config.js';
import type { PostgresDatabaseOptions } from '../db/database-postgres.js';
import { databaseProvider, databaseUrl } from '../db/database-url.js';
import type { Opened } from './opened.js';

/** PostgresStore is a store that owns a connection to the project's PostgreSQL database. */
export interface PostgresStore {
  /** ready says whether the database answers now. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/** PROBE_EVERY_MS is how often the readiness of a PostgreSQL store is asked of the database. */
const PROBE_EVERY_MS = 2000;

/**
 * openPostgresStore opens a store on the project's PostgreSQL database (`database.url`, else `database.postgres`)
 * with `open` (which loads Prisma), and gives it a readiness probe. `what` names the store in the error of a URL
 * that is not postgres://.
 */
export async function openPostgresStore<S extends PostgresStore>(
  config: Pick<DriverSettings, 'database'>,
  what: string,
  open: (options: PostgresDatabaseOptions) => Promise<S>,
): Promise<Opened<S>> {
  const { database } = config;
  const url = database.url !== '' ? database.url : databaseUrl('postgres', database.postgres);
  if (databaseProvider(url) !== 'postgres') throw new ConfigError(`database.url: the ${what} needs a postgres:// URL`);
  const store = await open({ url, connectTimeoutMs: database.connect_timeout_ms });
  let ready = true;
  // why: a probe must answer at once; the database's answer to a periodic query is kept for it.
  const timer = setInterval(() => void store.ready().then((r) => (ready = r)), PROBE_EVERY_MS);
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
