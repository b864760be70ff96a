import type { CachedAppStoreOptions } from './app-store-cached.js';

/** SqlAppStoreOptions configure an app store on a SQL database (`app_manager.driver = postgres | mysql`). */
export interface SqlAppStoreOptions extends CachedAppStoreOptions {
  /** url is the database URL (`postgres://` or `mysql://`); it may carry a password, which never appears in errors or logs. */
  url: string;
  /** connectTimeoutMs bounds opening a connection; default 5000 ms. */
  connectTimeoutMs?: number;
}
