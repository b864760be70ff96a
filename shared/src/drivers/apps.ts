import type { AppStore } from '../apps/app-store.js';
import { MemoryAppStore } from '../apps/app-store-memory.js';
import type { ServerConfig } from '../config/config.js';
import type { Opened } from './opened.js';

/** openAppStore opens the app store `app_manager.driver` names: `memory` serves `app_manager.array.apps`. */
export async function openAppStore(config: Pick<ServerConfig, 'app_manager'>): Promise<Opened<AppStore>> {
  const apps = new MemoryAppStore(config.app_manager.array.apps);
  return { port: apps, close: async () => {} };
}
