import type { Database } from '../db/database.js';
import type { AppId } from '../ids.js';
import type { Logger } from '../telemetry/logger.js';
import type { App } from './app.js';
import { appFromRow, rowFromApp, type ApplicationRow, type ApplicationWrite } from './app-row.js';
import { AppConflict, type AppPatch, type AppTable } from './app-table.js';

/**
 * ApplicationDelegate is the part of a generated Prisma client's `application` model this table uses. why: the
 * PostgreSQL and MySQL clients are generated from the same model but are distinct types; both satisfy this.
 */
export interface ApplicationDelegate {
  findUnique(args: { where: { id: string } | { key: string } }): PromiseLike<ApplicationRow | null>;
  findMany(args: { orderBy: { id: 'asc' } }): PromiseLike<ApplicationRow[]>;
  aggregate(args: { _count: { _all: true }; _max: { updated_at: true } }): PromiseLike<{ _count: { _all: number }; _max: { updated_at: Date | null } }>;
  create(args: { data: ApplicationWrite }): PromiseLike<unknown>;
  updateMany(args: { where: { id: string }; data: Partial<ApplicationWrite> }): PromiseLike<{ count: number }>;
}

/** AppDatabase is an open Database whose Prisma client has the applications model. */
export interface AppDatabase extends Database {
  readonly client: { application: ApplicationDelegate };
  /** unavailable wraps an error from a call as DependencyUnavailable, secrets removed. */
  unavailable(doing: string, err: unknown): Error;
}

/** InvalidRowHandler hears about rows that cannot become an App (the id and what is wrong). */
export type InvalidRowHandler = (id: string, problem: string) => void;

/** PrismaAppTable is the applications table read and written through a provider's Prisma client. */
export class PrismaAppTable implements AppTable {
  private readonly db: AppDatabase;
  private readonly onInvalid: InvalidRowHandler;

  /** The table owns `db` from here on: close() closes it. Rows that fail validation go to `onInvalid`. */
  constructor(db: AppDatabase, onInvalid: InvalidRowHandler) {
    this.db = db;
    this.onInvalid = onInvalid;
  }

  async find(by: { id: AppId } | { key: string }): Promise<App | undefined> {
    const row = await this.call('reading an app', () => this.db.client.application.findUnique({ where: by }));
    return row === null ? undefined : this.valid(row);
  }

  async list(): Promise<App[]> {
    const rows = await this.call('listing apps', () => this.db.client.application.findMany({ orderBy: { id: 'asc' } }));
    return rows.map((row) => this.valid(row)).filter((app): app is App => app !== undefined);
  }

  async version(): Promise<string> {
    const agg = await this.call('polling for app changes', () =>
      this.db.client.application.aggregate({ _count: { _all: true }, _max: { updated_at: true } }),
    );
    return `${agg._count._all}:${agg._max.updated_at?.getTime() ?? 0}`;
  }

  async insert(app: App): Promise<void> {
    await this.write('adding an app', `an app with id ${app.id} or key ${app.key} already exists`, () =>
      this.db.client.application.create({ data: rowFromApp(app) }),
    );
  }

  async update(id: AppId, patch: AppPatch): Promise<boolean> {
    // why: App's fields and the table's columns share their names, so a patch is column data (webhooks: JSON).
    const data = patch as Partial<ApplicationWrite>;
    const result = await this.write('updating an app', `another app already has the key ${patch.key ?? ''}`, () =>
      this.db.client.application.updateMany({ where: { id }, data }),
    );
    return result.count > 0;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  private valid(row: ApplicationRow): App | undefined {
    const app = appFromRow(row);
    if (typeof app !== 'string') return app;
    this.onInvalid(row.id, app);
    return undefined;
  }

  private async write<T>(doing: string, conflict: string, run: () => PromiseLike<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      // why: P2002 is Prisma's unique-constraint violation, on the id (primary key) or the key column.
      if ((err as { code?: unknown }).code === 'P2002') throw new AppConflict(conflict);
      throw this.db.unavailable(doing, err);
    }
  }

  private async call<T>(doing: string, run: () => PromiseLike<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.db.unavailable(doing, err);
    }
  }
}

/**
 * openAppTable takes an open database, refuses it when it is not migrated (DatabaseNotMigrated, naming the
 * command to run; the database is closed then), and returns its applications table with the current change
 * marker. Invalid rows are logged as errors (id and problem only) and refused.
 */
export async function openAppTable(db: AppDatabase, logger?: Logger): Promise<{ table: PrismaAppTable; marker: string }> {
  const table = new PrismaAppTable(db, (id, problem) => logger?.error({ app_id: id, problem }, 'invalid applications row; the app is refused'));
  try {
    await db.assertMigrated();
    return { table, marker: await table.version() };
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}
