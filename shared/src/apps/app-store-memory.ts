import type { AppId } from '../ids.js';
import type { App } from './app.js';
import type { AppStore } from './app-store.js';

/** MemoryAppStore serves a fixed list of apps from config, indexed by id and key. */
export class MemoryAppStore implements AppStore {
  private readonly ids = new Map<string, App>();
  private readonly keys = new Map<string, App>();

  constructor(apps: readonly App[]) {
    for (const app of apps) {
      this.ids.set(app.id, app);
      this.keys.set(app.key, app);
    }
  }

  async byId(id: AppId): Promise<App | undefined> {
    return this.ids.get(id);
  }

  byIdNow(id: AppId): App | undefined {
    return this.ids.get(id);
  }

  async byKey(key: string): Promise<App | undefined> {
    return this.keys.get(key);
  }

  async all(): Promise<App[]> {
    return [...this.ids.values()];
  }
}
