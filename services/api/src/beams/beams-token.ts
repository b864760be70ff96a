import { createHmac } from 'node:crypto';
import { safeEqual } from '@sockudo-ts/shared';

/**
 * verifyBeamsToken checks the token a Beams client SDK got from the app's auth endpoint (the server SDK's
 * `generateToken(userId)`): an HS256 JWT signed with the instance's secret key, issued by
 * `https://{instance}.pushnotifications.pusher.com`, not expired, whose `sub` is the user id. It returns
 * the user id, or a string saying what is wrong (never echoing the token).
 */
export function verifyBeamsToken(token: string, secret: string, instance: string, nowS = Date.now() / 1000): { userId: string } | string {
  const parts = token.split('.');
  if (parts.length !== 3) return 'the token is not a JWT';
  const [head, body, signature] = parts as [string, string, string];
  let header: { alg?: unknown };
  let claims: { sub?: unknown; exp?: unknown; iss?: unknown; nbf?: unknown };
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return 'the token is not a JWT';
  }
  if (header.alg !== 'HS256') return 'the token must be signed with HS256';
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  if (!safeEqual(signature, expected)) return 'the token signature is invalid';
  if (typeof claims.exp !== 'number' || claims.exp <= nowS) return 'the token has expired';
  if (typeof claims.nbf === 'number' && claims.nbf > nowS + 60) return 'the token is not valid yet';
  if (claims.iss !== `https://${instance}.pushnotifications.pusher.com`) return 'the token was issued for another instance';
  if (typeof claims.sub !== 'string' || claims.sub === '') return 'the token names no user (sub)';
  return { userId: claims.sub };
}
