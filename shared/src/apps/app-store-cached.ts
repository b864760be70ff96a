import { DependencyUnavailable } from '../errors/dependency-unavailable.js';
import type { AppId } from '../ids.js';
import type { Logger } from '../telemetry/logger.js';
import type { App } from './app.js';
import type { AppStore } from './app-store.js';
import type { AppTable } from './app-table.js';

/** CachedAppStoreOptions tune the cache in front of an apps table. */
export interface CachedAppStoreOptions {
  /**
   * cacheTtlMs is how long a looked-up app (or a key found absent) is served without asking the database;
   * any change to the table is seen within it. Zero asks every time. Default 60000 ms.
   */
  cacheTtlMs?: number;
  /**
   * pollIntervalMs is how often the store reads the table's change marker (row count and latest `updated_at`)
   * and drops its cache when it moved, so edits made through the CLI show within this interval. It is also how
   * often a store serving from its cache during an outage checks whether the database is back. Default 1000 ms.
   */
  pollIntervalMs?: number;
  /** maxEntries caps cached lookups (apps and absent keys); the oldest go first. Default 10000. */
  maxEntries?: number;
  /** logger hears about outages, recoveries and invalid rows (never secrets). */
  logger?: Logger;
}

interface Entry {
  app: App | undefined;
  at: number;
}

/**
 * CachedAppStore serves apps from an AppTable through a TTL cache. Policy: while the database answers, an entry
 * older than the TTL is read again, and every cached entry is dropped when the table's change marker moves;
 * when the database stops answering after start, the store keeps serving what it has cached (however old)
 * and rejects lookups it cannot answer from the cache with DependencyUnavailable, until a poll finds the
 * database back (then the cache is dropped if the table changed meanwhile, and kept otherwise).
 */
export class CachedAppStore implements AppStore {
  private readonly table: AppTable;
  private readonly dependency: string;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly logger: Logger | undefined;
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<App | undefined>>();
  private listed: { apps: App[]; at: number } | undefined;
  /** generation counts cache drops, so a read that started before a drop does not store its (older) answer. */
  private generation = 0;
  private marker: string;
  private down = false;
  private polling = false;
  private readonly timer: NodeJS.Timeout;

  /**
   * The store owns `table` (close() closes it); `marker` is the table's version() read at start and
   * `dependency` names the database in errors (`postgres` or `mysql`).
   */
  constructor(table: AppTable, dependency: string, marker: string, options: CachedAppStoreOptions = {}) {
    this.table = table;
    this.dependency = dependency;
    this.marker = marker;
    this.ttlMs = options.cacheTtlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.logger = options.logger;
    this.timer = setInterval(() => void this.poll(), options.pollIntervalMs ?? 1000);
    this.timer.unref();
  }

  byId(id: AppId): Promise<App | undefined> {
    return this.lookup(`id:${id}`, () => this.table.find({ id }));
  }

  byKey(key: string): Promise<App | undefined> {
    return this.lookup(`key:${key}`, () => this.table.find({ key }));
  }

  async all(): Promise<App[]> {
    const cached = this.listed;
    if (cached !== undefined && (this.down || Date.now() - cached.at < this.ttlMs)) return cached.apps;
    if (this.down) throw this.unavailable('listing apps');
    const generation = this.generation;
    try {
      const apps = await this.table.list();
      if (generation === this.generation) this.listed = { apps, at: Date.now() };
      return apps;
    } catch (err) {
      this.markDown(err);
      if (cached !== undefined) return cached.apps;
      throw err;
    }
  }

  /**
   * ready is true while the database answers (as of the last poll or lookup); while it is false the store
   * serves from its cache. It never throws and never waits, so it can back a readiness probe.
   */
  ready(): boolean {
    return !this.down;
  }

  /** close stops polling and closes the table's connections. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.table.close();
  }

  private async lookup(key: string, read: () => Promise<App | undefined>): Promise<App | undefined> {
    const cached = this.entries.get(key);
    if (cached !== undefined && (this.down || Date.now() - cached.at < this.ttlMs)) return cached.app;
    if (this.down) throw this.unavailable('looking up an app');
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.read(key, read).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    try {
      return await pending;
    } catch (err) {
      if (cached !== undefined) return cached.app;
      throw err;
    }
  }

  private async read(key: string, read: () => Promise<App | undefined>): Promise<App | undefined> {
    const generation = this.generation;
    let app: App | undefined;
    try {
      app = await read();
    } catch (err) {
      this.markDown(err);
      throw err;
    }
    if (generation === this.generation) {
      this.remember(key, app);
      // why: the next handshake by key is usually followed by lookups by id (API, webhooks) for the same app.
      if (app !== undefined) this.remember(key.startsWith('id:') ? `key:${app.key}` : `id:${app.id}`, app);
    }
    return app;
  }

  private remember(key: string, app: App | undefined): void {
    this.entries.delete(key);
    this.entries.set(key, { app, at: Date.now() });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /**
   * poll reads the change marker: it drops the cache when the table changed (during an outage too). why not drop
   * it whenever the database comes back: a blip (a pool that could not connect for a moment) then emptied the
   * cache, and an outage right after found nothing cached and refused every handshake; entries older than the
   * TTL are read again anyway once the database answers.
   */
  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const marker = await this.table.version();
      if (this.down) this.logger?.info({ dependency: this.dependency }, 'apps database reachable again; reading apps from it');
      if (marker !== this.marker) this.drop();
      this.down = false;
      this.marker = marker;
    } catch (err) {
      this.markDown(err);
    } finally {
      this.polling = false;
    }
  }

  private drop(): void {
    this.generation++;
    this.entries.clear();
    this.listed = undefined;
  }

  private markDown(err: unknown): void {
    if (!(err instanceof DependencyUnavailable) || this.down) return;
    this.down = true;
    this.logger?.warn({ dependency: this.dependency, reason: err.message }, 'apps database unavailable; serving apps from the cache');
  }

  private unavailable(doing: string): DependencyUnavailable {
    return new DependencyUnavailable(this.dependency, `the apps database is unavailable (${doing} that is not cached)`);
  }
}
