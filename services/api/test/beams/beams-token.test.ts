import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyBeamsToken } from '@sockudo-ts/api';

const NOW = 1_800_000_000;
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
/** token signs a JWT as the Beams server SDK's generateToken does (HS256 with the secret key). */
function token(claims: Record<string, unknown>, secret = 'secret', alg = 'HS256'): string {
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}
const good = { sub: 'alice', iss: 'https://inst.pushnotifications.pusher.com', iat: NOW - 10, exp: NOW + 3600 };

describe('verifyBeamsToken', () => {
  it('accepts a token of generateToken and returns its user', () => {
    expect(verifyBeamsToken(token(good), 'secret', 'inst', NOW)).toEqual({ userId: 'alice' });
  });

  it('refuses another secret, another instance, an expired token, another algorithm and garbage', () => {
    expect(verifyBeamsToken(token(good, 'other'), 'secret', 'inst', NOW)).toBe('the token signature is invalid');
    expect(verifyBeamsToken(token(good), 'secret', 'another', NOW)).toBe('the token was issued for another instance');
    expect(verifyBeamsToken(token({ ...good, exp: NOW - 1 }), 'secret', 'inst', NOW)).toBe('the token has expired');
    expect(verifyBeamsToken(token({ ...good, sub: '' }), 'secret', 'inst', NOW)).toBe('the token names no user (sub)');
    expect(verifyBeamsToken(token(good, 'secret', 'none'), 'secret', 'inst', NOW)).toBe('the token must be signed with HS256');
    expect(verifyBeamsToken('not.a-jwt', 'secret', 'inst', NOW)).toBe('the token is not a JWT');
  });
});
