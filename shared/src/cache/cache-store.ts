/** CachedValue is a stored value with its remaining lifetime in seconds. */
export interface CachedValue {
  value: string;
  ttlSeconds: number;
}

/** CacheStore keeps short-lived strings by key (cache channels' last events, idempotency keys). */
export interface CacheStore {
  get(key: string): Promise<CachedValue | undefined>;
  /** set stores a value for `ttlSeconds`. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** setIfAbsent stores a value only when the key is free; true when it stored. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
