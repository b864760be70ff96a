import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** VerifiedJwt is a JWT whose signature checked out: its decoded header and claims. */
export interface VerifiedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

/**
 * verifyJwt checks a compact JWS the way a provider does: the `alg` it expects, then the signature with
 * `key` (ES256 in JOSE r||s form, RS256 PKCS#1 v1.5). It returns the problem as text when anything is off.
 */
export function verifyJwt(token: string, alg: 'ES256' | 'RS256', key: KeyObject): VerifiedJwt | string {
  const parts = token.split('.');
  if (parts.length !== 3) return 'not a compact JWS';
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString()) as Record<string, unknown>;
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as Record<string, unknown>;
  } catch {
    return 'header or claims are not base64url JSON';
  }
  if (header.alg !== alg) return `alg is ${String(header.alg)}, not ${alg}`;
  const signature = Buffer.from(parts[2]!, 'base64url');
  if (alg === 'ES256' && signature.length !== 64) return 'an ES256 signature must be 64 bytes (r || s)';
  const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key, signature);
  return ok ? { header, claims } : 'bad signature';
}

/** p256PublicKey turns a raw uncompressed P-256 point (65 bytes, as VAPID's `k`) into a KeyObject. */
export function p256PublicKey(raw: Buffer): KeyObject {
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('not an uncompressed P-256 point');
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') }, format: 'jwk' });
}
