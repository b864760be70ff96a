import { describe, expect, it } from 'vitest';
import { APP_DEFAULTS, MAX_ORIGIN_LENGTH, asAppId, globMatches, originAllowed, type App } from '@sockudo-ts/shared';

const app = (allowed_origins: string[]): App => ({ ...APP_DEFAULTS, id: asAppId('a'), key: 'k', secret: 's', allowed_origins });

/** reference is the obvious regular-expression reading of a pattern, to compare the matcher against. */
function reference(pattern: string, text: string): boolean {
  const escaped = pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[\\s\\S]*')}$`).test(text);
}

describe('allowed_origins patterns', () => {
  it('match exact origins and `*` wildcards anywhere', () => {
    const a = app(['https://example.com', 'https://*.example.org', 'http://localhost:*', '*://admin.*.test']);
    expect(originAllowed(a, 'https://example.com')).toBe(true);
    expect(originAllowed(a, 'https://example.com.evil')).toBe(false);
    expect(originAllowed(a, 'https://a.b.example.org')).toBe(true);
    expect(originAllowed(a, 'https://example.org')).toBe(false);
    expect(originAllowed(a, 'http://localhost:3000')).toBe(true);
    expect(originAllowed(a, 'ftp://admin.x.test')).toBe(true);
    expect(originAllowed(a, undefined)).toBe(false);
    expect(originAllowed(app([]), undefined)).toBe(true);
    expect(originAllowed(app(['*']), 'anything')).toBe(true);
  });

  it('agree with the regular-expression reading on every combination of short patterns and texts', () => {
    const alphabet = ['a', 'b', '*'];
    const words = (n: number): string[] => (n === 0 ? [''] : words(n - 1).flatMap((w) => alphabet.map((c) => w + c)));
    const patterns = [0, 1, 2, 3, 4].flatMap(words);
    const texts = [0, 1, 2, 3, 4, 5].flatMap((n) => words(n).filter((w) => !w.includes('*')));
    for (const p of patterns) for (const t of texts) expect([p, t, globMatches(p, t)]).toEqual([p, t, reference(p, t)]);
  });

  it('refuse an origin over the length cap, and stay linear on an origin built to make a backtracking matcher explode', () => {
    const a = app(['https://*a*a*a*.example.com']);
    expect(originAllowed(a, `https://${'a'.repeat(MAX_ORIGIN_LENGTH)}.example.com`)).toBe(false);
    // 2 KB of `a` with no match at the end: a backtracking regular expression takes seconds on this
    const hostile = `https://${'a'.repeat(1000)}.example.co`;
    expect(originAllowed(a, hostile)).toBe(false);
    expect(globMatches('*a*a*a*b', 'a'.repeat(2000))).toBe(false);
    expect(globMatches('*a*a*a*b', `${'a'.repeat(2000)}b`)).toBe(true);
  });
});
