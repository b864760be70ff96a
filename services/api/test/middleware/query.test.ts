import { describe, expect, it } from 'vitest';
import { HttpError, httpStringToSign } from '@sockudo-ts/shared';
import { parseQuery, parseSignedQuery } from '../../src/middleware/query.js';

/** refusal returns the HttpError parseQuery throws for a query, or fails the test. */
function refusal(raw: string): HttpError {
  try {
    parseQuery(raw);
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error(`parseQuery accepted ${raw}`);
}

describe('parseQuery: the one parse of a request query', () => {
  it('reads the signing parameters as sent, in order', () => {
    const q = parseQuery('auth_key=k&auth_timestamp=1353088179&auth_version=1.0&body_md5=ec36&auth_signature=da45');
    expect([...q]).toEqual([
      ['auth_key', 'k'],
      ['auth_timestamp', '1353088179'],
      ['auth_version', '1.0'],
      ['body_md5', 'ec36'],
      ['auth_signature', 'da45'],
    ]);
  });

  it('decodes every query exactly as URLSearchParams does', () => {
    const queries = [
      '',
      'a=1',
      '?a=1&b',
      'a=&=b&&c=%20x+y&d=%ZZ&e=%E2%82%AC&f=a=b',
      '&&info=user_count,subscription_count&filter_by_prefix=presence-',
      'filter%5Fby_prefix=private%2Dx&k+1=v%2b',
      'a=1&?b=2%20&%3Fc=3',
      'x=%C3%28&y=%',
    ];
    for (const raw of queries) expect([...parseQuery(raw)], raw).toEqual([...new URLSearchParams(raw)]);
  });

  it('refuses a repeated key with 401 naming it, whichever value comes first', () => {
    for (const raw of ['filter_by_prefix=private-&auth_key=k&filter_by_prefix=presence-', 'auth_key=k&filter_by_prefix=presence-&filter_by_prefix=private-']) {
      const e = refusal(raw);
      expect(e.status).toBe(401);
      expect(e.message).toContain('"filter_by_prefix" is repeated');
    }
    expect(refusal('auth_signature=a&auth_signature=b').message).toContain('auth_signature');
    expect(refusal('a&a').status).toBe(401);
  });

  it('counts keys that differ only in letter case, or only in escaping, as the same key', () => {
    // The string to sign lowercases keys, so these would be two values under one signed name.
    expect(refusal('info=user_count&INFO=subscription_count').message).toContain('"INFO" is repeated');
    expect(refusal('filter_by_prefix=a&filter%5Fby_prefix=b').message).toContain('filter_by_prefix');
  });

  it('keeps what a caller may send: empty values, keys without a value, empty pieces', () => {
    const q = parseQuery('&x&y=&z=1&');
    expect(q.get('x')).toBe('');
    expect(q.get('y')).toBe('');
    expect(q.get('z')).toBe('1');
    expect(q.size).toBe(3);
  });

  it('writes the query part of the string to sign as httpStringToSign does', () => {
    const queries = [
      '',
      'auth_signature=x',
      'b=2&a=1&auth_signature=ff&C=3',
      'Auth_Key=k&auth_timestamp=1&body_md5=%41b&info=user_count%2Csubscription_count&a!=x&a=y',
      '?z+z=1&y=%E2%82%AC&x&AUTH_SIGNATURE=00',
      'auth_timestamp=1&auth_=2&auth=3&auth_key=4&%C3%A4=5&~=6&Z=7&auth_signature=8&auth_version=9&a%F0%9F%98%80=10&a%EF%BF%BD=11',
    ];
    for (const raw of queries) {
      const { query, signed } = parseSignedQuery(raw);
      expect(`POST\n/p\n${signed}`, raw).toBe(httpStringToSign('POST', '/p', new Map(query)));
    }
  });

  it('sorts thousands of keys in any arrival order, and finds a repeat however far apart', () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `k${String(i).padStart(4, '0')}`);
    const descending = [...keys].reverse();
    const interleaved = keys.map((_, i) => keys[i % 2 === 0 ? i / 2 : keys.length - 1 - (i - 1) / 2]!);
    for (const order of [descending, interleaved]) {
      const { query, signed } = parseSignedQuery(order.map((k) => `${k}=v`).join('&'));
      expect(query.size).toBe(keys.length);
      expect(signed).toBe(keys.map((k) => `${k}=v`).join('&'));
    }
    expect(refusal(`${descending.join('&')}&K2999`).message).toContain('"K2999" is repeated');
    expect(refusal(`k0000&${descending.join('&')}`).message).toContain('"k0000" is repeated');
  });
});

describe('parseSignedQuery: queries in the order the Pusher libraries sign', () => {
  it('reads random queries near that shape exactly as the general parse does', () => {
    // Pieces from a small alphabet, so that sorted and unsorted keys, repeats, case, `?`, empty pieces and
    // keys without `=` all come up; each query is checked against URLSearchParams and httpStringToSign.
    const keys = ['auth_key', 'auth_timestamp', 'auth_version', 'body_md5', 'auth_signature', 'info', 'a', 'a_b', 'Info', '?x', ''];
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 3000; round++) {
      const picked = Array.from({ length: 1 + random(6) }, () => keys[random(keys.length)]!);
      if (random(2) === 0) picked.sort();
      const pieces = picked.map((key) => (random(8) === 0 ? key : `${key}=${['1', '', 'v=w', 'x?y'][random(4)]}`));
      const raw = (random(10) === 0 ? '?' : '') + pieces.join(random(12) === 0 ? '&&' : '&');
      let parsed: ReturnType<typeof parseSignedQuery> | undefined;
      try {
        parsed = parseSignedQuery(raw);
      } catch (err) {
        // A refusal is only right for a key that is there twice, in any letter case.
        const lowered = [...new URLSearchParams(raw).keys()].map((k) => k.toLowerCase());
        expect(new Set(lowered).size, raw).toBeLessThan(lowered.length);
        expect((err as HttpError).status).toBe(401);
        continue;
      }
      expect([...parsed.query], raw).toEqual([...new URLSearchParams(raw)]);
      expect(`POST\n/p\n${parsed.signed}`, raw).toBe(httpStringToSign('POST', '/p', new Map(parsed.query)));
      for (const [key, value] of new URLSearchParams(raw)) expect(parsed.query.get(key)).toBe(value);
    }
  });
});
