/** RateDecision is the outcome of counting one request against a limit. */
export interface RateDecision {
  /** allowed is false once the window's count is over the limit. */
  readonly allowed: boolean;
  /** limit is the most the window allows. */
  readonly limit: number;
  /** remaining is how many more the window allows (zero when refused). */
  readonly remaining: number;
  /** resetMs is how long until the window ends and the count starts again, in ms. */
  readonly resetMs: number;
}

/**
 * RateLimiter counts hits per key in fixed windows. The memory implementation counts per process; the Redis
 * one counts cluster-wide. A limiter whose store is down lets requests through (the limits protect the
 * server; they must not take it down with their store).
 */
export interface RateLimiter {
  /**
   * hit adds `cost` to `key`'s count in its current window of `windowMs` (the window starts with the key's
   * first hit) and says whether the count is still within `limit`.
   */
  hit(key: string, limit: number, windowMs: number, cost?: number): Promise<RateDecision>;
  close(): Promise<void>;
}

/**
 * SharedConcurrency is the optional ability of a limiter to count open sockets per key across processes
 * (the Redis limiter): each process adds its own count under the key, and refreshes what it holds so that a
 * process that died stops counting after a while.
 */
export interface SharedConcurrency {
  /** acquire adds one to this process's count under `key` when the total of every process is below `limit`. */
  acquire(key: string, limit: number): Promise<boolean>;
  /** release takes one off this process's count under `key`. */
  release(key: string): void;
  /** refresh keeps this process's counts under `keys` alive (called periodically for every key it holds). */
  refresh(keys: readonly string[]): Promise<void>;
}

/** decide builds a decision from a window's count after the hit. */
export function decide(count: number, limit: number, resetMs: number): RateDecision {
  return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetMs: Math.max(0, resetMs) };
}

/**
 * clientAddress is the address a request is counted under. With `trustHops` = 0 it is the peer's address and
 * X-Forwarded-For is ignored (any client can write it). With N trusted proxies in front, the chain is the
 * header's entries followed by the peer, and the client is the entry N hops from the right: the address
 * the outermost trusted proxy saw. A chain shorter than that yields its leftmost entry. Undefined when the
 * client cannot be told (a unix socket peer with no trusted header): such requests are not counted per address.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trustHops: number): string | undefined {
  const direct = peer === undefined || peer === '' ? undefined : normalizeAddress(peer);
  if (trustHops <= 0 || forwardedFor === undefined) return direct;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const chain: Array<string | undefined> = header.split(',').map((s) => s.trim()).filter((s) => s !== '');
  chain.push(direct);
  const at = Math.max(0, chain.length - 1 - trustHops);
  const picked = chain[at];
  return picked === undefined ? undefined : normalizeAddress(picked.slice(0, 64));
}

/** normalizeAddress writes an IPv4-mapped IPv6 address as plain IPv4, so that one client has one key. */
function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** retryAfterSeconds is a Retry-After value for a refused decision: whole seconds, at least 1. */
export function retryAfterSeconds(decision: RateDecision): number {
  return Math.max(1, Math.ceil(decision.resetMs / 1000));
}

/**
 * rateLimitHeaders are the response headers that tell a client where it stands: `X-RateLimit-Limit`,
 * `X-RateLimit-Remaining`, `X-RateLimit-Reset` (seconds until the window ends), plus `Retry-After` when refused.
 */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  const headers: Record<string, string> = {
    'X-RateLimit-Limit': String(decision.limit),
    'X-RateLimit-Remaining': String(decision.remaining),
    'X-RateLimit-Reset': String(Math.ceil(decision.resetMs / 1000)),
  };
  if (!decision.allowed) headers['Retry-After'] = String(retryAfterSeconds(decision));
  return headers;
}
