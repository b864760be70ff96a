import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter, clientAddress, rateLimitHeaders } from '@sockudo-ts/shared';
import { RedisRateLimiter } from '@sockudo-ts/shared/implementations';
import { REDIS, servicesUp, uniquePrefix } from '../../../tests/kit/services.js';
import { describeRateLimiterContract } from './rate-limiter-contract.js';

describeRateLimiterContract('MemoryRateLimiter', async () => new MemoryRateLimiter());

const up = await servicesUp('RedisRateLimiter contract', REDIS);
describe.skipIf(!up)('RedisRateLimiter', () => {
  describeRateLimiterContract('RedisRateLimiter', () => RedisRateLimiter.connect({ url: `redis://${REDIS.host}:${REDIS.port}`, prefix: `${uniquePrefix('rl')}:` }));

  it('shares one window between two limiters on the same prefix (two gateways)', async () => {
    const prefix = `${uniquePrefix('rl')}:`;
    const url = `redis://${REDIS.host}:${REDIS.port}`;
    const [a, b] = await Promise.all([RedisRateLimiter.connect({ url, prefix }), RedisRateLimiter.connect({ url, prefix })]);
    try {
      expect((await a.hit('ip', 2, 60_000)).allowed).toBe(true);
      expect((await b.hit('ip', 2, 60_000)).allowed).toBe(true);
      expect((await a.hit('ip', 2, 60_000)).allowed).toBe(false);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('counts open sockets per key across processes, and forgets a process that stopped refreshing', async () => {
    const prefix = `${uniquePrefix('rl')}:`;
    const url = `redis://${REDIS.host}:${REDIS.port}`;
    const [a, b] = await Promise.all([RedisRateLimiter.connect({ url, prefix, openTtlMs: 1500 }), RedisRateLimiter.connect({ url, prefix, openTtlMs: 1500 })]);
    try {
      expect(await a.acquire('open:ip', 2)).toBe(true);
      expect(await b.acquire('open:ip', 2)).toBe(true);
      expect(await a.acquire('open:ip', 2)).toBe(false);
      b.release('open:ip');
      expect(await a.acquire('open:ip', 2)).toBe(true);
      expect(await b.acquire('open:ip', 2)).toBe(false);
      // a "dies" (never refreshes): once its count expires, b may take its slots.
      await new Promise((r) => setTimeout(r, 1700));
      await b.refresh(['open:ip']);
      expect(await b.acquire('open:ip', 2)).toBe(true);
      expect(await b.acquire('open:ip', 2)).toBe(true);
      expect(await b.acquire('open:ip', 2)).toBe(false);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('lets hits through and reports the error while Redis does not answer', async () => {
    const errors: unknown[] = [];
    const limiter = await RedisRateLimiter.connect({ url: `redis://${REDIS.host}:${REDIS.port}`, prefix: `${uniquePrefix('rl')}:`, onError: (e) => errors.push(e) });
    await limiter.close();
    const decision = await limiter.hit('k', 1, 1000, 5);
    expect(decision.allowed).toBe(true);
    expect(errors).toHaveLength(1);
  });
});

describe('MemoryRateLimiter', () => {
  it('forgets ended windows when swept', async () => {
    let now = 1000;
    const limiter = new MemoryRateLimiter(() => now);
    await limiter.hit('a', 1, 100);
    await limiter.hit('b', 1, 500);
    now += 200;
    limiter.sweep();
    expect(limiter.size()).toBe(1);
    await limiter.close();
    expect(limiter.size()).toBe(0);
  });
});

describe('clientAddress', () => {
  it('ignores X-Forwarded-For without trusted hops: a client cannot pick its address', () => {
    expect(clientAddress('10.0.0.1', '1.2.3.4', 0)).toBe('10.0.0.1');
    expect(clientAddress('::ffff:10.0.0.1', undefined, 0)).toBe('10.0.0.1');
  });

  it('takes the entry as many hops from the right as there are trusted proxies', () => {
    // client -> proxy A -> proxy B -> server: B is the peer, A wrote the client, B wrote A.
    expect(clientAddress('10.0.0.2', '203.0.113.7, 10.0.0.1', 2)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.2', '203.0.113.7, 10.0.0.1', 1)).toBe('10.0.0.1');
    // A client that sends its own header cannot move the trusted entry.
    expect(clientAddress('10.0.0.1', 'spoofed, 198.51.100.9', 1)).toBe('198.51.100.9');
    expect(clientAddress('10.0.0.1', ['a, b', 'c'], 1)).toBe('c');
    // Fewer entries than hops: the leftmost one.
    expect(clientAddress('10.0.0.1', '198.51.100.9', 5)).toBe('198.51.100.9');
    expect(clientAddress('10.0.0.1', '', 1)).toBe('10.0.0.1');
    // A unix socket peer has no address: only a trusted header names the client.
    expect(clientAddress(undefined, undefined, 0)).toBeUndefined();
    expect(clientAddress(undefined, '203.0.113.7', 0)).toBeUndefined();
    expect(clientAddress(undefined, '203.0.113.7', 1)).toBe('203.0.113.7');
  });

  it('writes the rate-limit headers, with Retry-After only on a refusal', () => {
    expect(rateLimitHeaders({ allowed: true, limit: 5, remaining: 4, resetMs: 59_500 })).toEqual({ 'X-RateLimit-Limit': '5', 'X-RateLimit-Remaining': '4', 'X-RateLimit-Reset': '60' });
    expect(rateLimitHeaders({ allowed: false, limit: 5, remaining: 0, resetMs: 200 })['Retry-After']).toBe('1');
  });
});
