import { md5Hex, safeEqual, signHttpRequest, unauthorized, type App } from '@sockudo-ts/shared';

/** MAX_CLOCK_SKEW_S is how far `auth_timestamp` may be from the server's clock, in seconds. */
export const MAX_CLOCK_SKEW_S = 600;

/**
 * verifyRequest checks a signed HTTP API request (auth_version 1.0, PROTOCOL.md §8) and throws 401 with a
 * message that names the failing part. The signature is compared in constant time.
 */
export function verifyRequest(app: App, method: string, path: string, params: Record<string, string>, body: Buffer, nowS = Date.now() / 1000): void {
  if (params.auth_key === undefined) throw unauthorized('Missing auth_key');
  if (!safeEqual(params.auth_key, app.key)) throw unauthorized('auth_key does not belong to this app');
  if (params.auth_timestamp === undefined || !/^\d{1,12}$/.test(params.auth_timestamp)) {
    throw unauthorized('Missing or invalid auth_timestamp (unix seconds)');
  }
  const ts = Number(params.auth_timestamp);
  if (Math.abs(nowS - ts) > MAX_CLOCK_SKEW_S) {
    throw unauthorized(`auth_timestamp is more than ${MAX_CLOCK_SKEW_S} s from the server time; check your clock`);
  }
  if (params.auth_version !== undefined && params.auth_version !== '1.0') throw unauthorized('auth_version must be 1.0');
  if (body.length > 0) {
    if (params.body_md5 === undefined) throw unauthorized('Missing body_md5 for a request with a body');
    if (!safeEqual(params.body_md5.toLowerCase(), md5Hex(body))) throw unauthorized('body_md5 does not match the body');
  }
  const signature = params.auth_signature;
  if (signature === undefined) throw unauthorized('Missing auth_signature');
  const expected = signHttpRequest(app.secret, method, path, params);
  if (!safeEqual(signature.toLowerCase(), expected)) throw unauthorized('Invalid auth_signature');
}
