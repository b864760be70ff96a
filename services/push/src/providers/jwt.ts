import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

/** JwtAlgorithm is a JWS algorithm the providers need: ES256 (APNs token auth) or RS256 (Google OAuth). */
export type JwtAlgorithm = 'ES256' | 'RS256';

/**
 * signJwt returns a compact JWS of `claims` signed with `key`. ES256 signatures are in JOSE form (r || s,
 * 64 bytes), as RFC 7518 requires, not DER.
 */
export function signJwt(algorithm: JwtAlgorithm, key: KeyObject, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const head = base64urlJson({ alg: algorithm, typ: 'JWT', ...header });
  const body = base64urlJson(claims);
  const input = `${head}.${body}`;
  const signature = sign('sha256', Buffer.from(input), algorithm === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}

/**
 * privateKeyOf reads a PEM private key (an APNs `.p8` file's text, a service account's `private_key`) and
 * checks its type; the error names what was expected, never the key.
 */
export function privateKeyOf(pem: string, expected: 'ec' | 'rsa', what: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new Error(`${what} is not a PEM private key`);
  }
  if (key.asymmetricKeyType !== expected) throw new Error(`${what} must be an ${expected.toUpperCase()} key, not ${key.asymmetricKeyType}`);
  if (expected === 'ec' && key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error(`${what} must be a P-256 key`);
  return key;
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
