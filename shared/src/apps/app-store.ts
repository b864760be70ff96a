import type { AppId } from '../ids.js';
import type { App } from './app.js';

/** AppStore finds apps by id or key. Implementations own their storage and may cache. */
export interface AppStore {
  /** byId returns the app with that id, or undefined. */
  byId(id: AppId): Promise<App | undefined>;
  /**
   * byIdNow, where a store has it, returns synchronously what `byId` would resolve with. Only stores that
   * never wait to answer (apps from config) have it; the HTTP API admits a request without a promise then.
   */
  byIdNow?(id: AppId): App | undefined;
  /** byKey returns the app with that key, or undefined. */
  byKey(key: string): Promise<App | undefined>;
  /** all lists every app (for the debug console and metrics). */
  all(): Promise<App[]>;
}
