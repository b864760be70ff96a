import type { AppId } from '../ids.js';
import type { App } from './app.js';

/** AppPatch is a change to an app: any fields but its id. */
export type AppPatch = Partial<Omit<App, 'id'>>;

/**
 * AppTable is the `applications` table of a SQL database: lookups and a change marker for the caching app
 * stores, writes for the apps CLI. Calls that cannot reach the database reject with DependencyUnavailable.
 */
export interface AppTable {
  /** find returns the app with that id or key, or undefined (also for a row whose JSON columns are invalid). */
  find(by: { id: AppId } | { key: string }): Promise<App | undefined>;
  /** list returns every valid app, ordered by id. */
  list(): Promise<App[]>;
  /**
   * version is a marker that changes when a row is added, removed or updated (it reads the row count and the
   * latest `updated_at`), so a cache can poll it instead of re-reading every app.
   */
  version(): Promise<string>;
  /** insert adds an app; it rejects with AppConflict when the id or the key is taken. */
  insert(app: App): Promise<void>;
  /** update changes an app's fields and reports whether the app exists. */
  update(id: AppId, patch: AppPatch): Promise<boolean>;
  /** close releases the table's database connections. */
  close(): Promise<void>;
}

/** AppConflict says an app with the same id or key already exists. */
export class AppConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppConflict';
  }
}
