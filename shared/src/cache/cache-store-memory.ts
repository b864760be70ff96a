import type { CachedValue, CacheStore } from './cache-store.js';

/** MemoryCacheStore keeps values in a Map; expired entries are dropped on read and by a sweep each minute. */
export class MemoryCacheStore implements CacheStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(sweepIntervalMs = 60_000) {
    this.sweeper = setInterval(() => this.sweep(), sweepIntervalMs);
    this.sweeper.unref();
  }

  async get(key: string): Promise<CachedValue | undefined> {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const left = entry.expiresAt - Date.now();
    if (left <= 0) {
      this.entries.delete(key);
      return undefined;
    }
    return { value: entry.value, ttlSeconds: Math.ceil(left / 1000) };
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    if ((await this.get(key)) !== undefined) return false;
    await this.set(key, value, ttlSeconds);
    return true;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  /** size is the number of stored entries, expired ones included until swept. */
  size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
