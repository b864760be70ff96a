import type { App } from '../apps/app.js';
import type { RateLimiterSettings } from '../config/config.js';
import { clientAddress, type RateDecision, type RateLimiter, type SharedConcurrency } from './rate-limiter.js';

/** REFRESH_MS is how often the addresses this process holds are refreshed in a shared counter. */
const REFRESH_MS = 20_000;

/** RateLimitCounter is told each time a limit refuses something, by the limit's name (metrics). */
export type RateLimitCounter = (limit: string) => void;

/**
 * RateLimits applies the `[rate_limiter]` limits: HTTP API requests and WebSocket connects per client address,
 * concurrent sockets per address, and each app's max_backend_events_per_second. With a limiter that shares its
 * counts (Redis) every limit holds cluster-wide; otherwise per process. Each check answers undefined when its
 * limit is off (zero).
 */
export class RateLimits {
  /** open counts the sockets each address holds on this process. */
  private readonly open = new Map<string, number>();
  private readonly shared?: SharedConcurrency;
  private readonly refresher?: NodeJS.Timeout;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly settings: RateLimiterSettings,
    private readonly refused: RateLimitCounter = () => undefined,
  ) {
    const shared = limiter as Partial<SharedConcurrency> & RateLimiter;
    if (typeof shared.acquire === 'function' && typeof shared.release === 'function' && typeof shared.refresh === 'function') {
      this.shared = shared as unknown as SharedConcurrency;
      this.refresher = setInterval(() => void this.shared!.refresh([...this.open.keys()].map(openKey)), REFRESH_MS);
      this.refresher.unref();
    }
  }

  /** apiAddress is the address an HTTP API request is counted under (api_rate_limit.trust_hops); undefined when unknown. */
  apiAddress(peer: string | undefined, forwardedFor: string | string[] | undefined): string | undefined {
    return clientAddress(peer, forwardedFor, this.settings.api_rate_limit.trust_hops);
  }

  /** socketAddress is the address a WebSocket handshake is counted under (websocket_rate_limit.trust_hops); undefined when unknown. */
  socketAddress(peer: string | undefined, forwardedFor: string | string[] | undefined): string | undefined {
    return clientAddress(peer, forwardedFor, this.settings.websocket_rate_limit.trust_hops);
  }

  /** apiRequest counts one HTTP API request from `address`. */
  apiRequest(address: string): Promise<RateDecision | undefined> {
    const { max_requests, window_seconds } = this.settings.api_rate_limit;
    return this.count('api_rate', `api:${address}`, max_requests, window_seconds * 1000, 1);
  }

  /** socketConnect counts one WebSocket connect from `address`. */
  socketConnect(address: string): Promise<RateDecision | undefined> {
    const { max_requests, window_seconds } = this.settings.websocket_rate_limit;
    return this.count('ws_connect_rate', `ws:${address}`, max_requests, window_seconds * 1000, 1);
  }

  /** backendEvents counts `events` messages published for an app through the HTTP API, per second. */
  backendEvents(app: App, events: number): Promise<RateDecision | undefined> {
    return this.count('backend_events', `events:${app.id}`, app.max_backend_events_per_second, 1000, events);
  }

  /**
   * holdConnection takes one of `address`'s concurrent socket slots (cluster-wide with a shared limiter, else
   * on this process) and returns its release (call it once, when the socket closes), or undefined when the
   * address already holds websocket_rate_limit.max_connections_per_ip sockets.
   */
  async holdConnection(address: string): Promise<(() => void) | undefined> {
    const cap = this.settings.websocket_rate_limit.max_connections_per_ip;
    const held = this.open.get(address) ?? 0;
    const shared = cap > 0 ? this.shared : undefined;
    const admitted = cap <= 0 || (shared !== undefined ? await shared.acquire(openKey(address), cap) : held < cap);
    if (!admitted) {
      this.refused('ws_concurrent');
      return undefined;
    }
    this.open.set(address, (this.open.get(address) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      shared?.release(openKey(address));
      const n = (this.open.get(address) ?? 1) - 1;
      if (n <= 0) this.open.delete(address);
      else this.open.set(address, n);
    };
  }

  /** heldAddresses counts the addresses holding sockets (leak checks). */
  heldAddresses(): number {
    return this.open.size;
  }

  private async count(name: string, key: string, limit: number, windowMs: number, cost: number): Promise<RateDecision | undefined> {
    if (limit <= 0) return undefined;
    const decision = await this.limiter.hit(key, limit, windowMs, cost);
    if (!decision.allowed) this.refused(name);
    return decision;
  }

  close(): Promise<void> {
    clearInterval(this.refresher);
    return this.limiter.close();
  }
}

/** openKey is the shared counter key of an address's open sockets. */
function openKey(address: string): string {
  return `open:${address}`;
}
