import { describe, expect, it } from 'vitest';
import { APP_DEFAULTS, HttpError, hmacSha256Hex, type App } from '@sockudo-ts/shared';
import { MAX_CLOCK_SKEW_S, verifyRequest } from '../../src/middleware/signature.js';

// The verified vector of PROTOCOL.md §8 (the same one Pusher's own SDK tests use).
const app: App = { ...APP_DEFAULTS, id: '3', key: '278d425bdf160c739803', secret: '7ad3773142a6692b25b8' } as App;
const PATH = '/apps/3/events';
const BODY = Buffer.from('{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}');
const NOW = 1353088179;
const SIGNED = 'auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f';
const SIGNATURE = 'da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c';

/** refusal returns the 401 message verifyRequest throws, or fails the test. */
function refusal(query: string, body = BODY, nowS = NOW, method = 'POST'): string {
  try {
    verifyRequest(app, method, PATH, query, body, nowS);
  } catch (err) {
    if (err instanceof HttpError && err.status === 401) return err.message;
    throw err;
  }
  throw new Error(`verifyRequest accepted ${query}`);
}

describe('verifyRequest (auth_version 1.0)', () => {
  it('accepts the vector and returns the query it verified, for the handlers to read', () => {
    const query = verifyRequest(app, 'POST', PATH, `${SIGNED}&auth_signature=${SIGNATURE}`, BODY, NOW);
    expect(query.get('auth_key')).toBe(app.key);
    expect(query.get('body_md5')).toBe('ec365a775a4cd0599faeb73354201b6f');
    // The signature is hex, compared case-insensitively; the parameter order does not matter.
    const shuffled = `auth_signature=${SIGNATURE.toUpperCase()}&body_md5=ec365a775a4cd0599faeb73354201b6f&auth_version=1.0&auth_timestamp=${NOW}&auth_key=${app.key}`;
    expect(verifyRequest(app, 'POST', PATH, shuffled, BODY, NOW + MAX_CLOCK_SKEW_S).size).toBe(5);
    // body_md5 is hex too, read in either case.
    const upper = SIGNED.replace(/body_md5=(\w+)/, (_, md5: string) => `body_md5=${md5.toUpperCase()}`);
    const upperSignature = hmacSha256Hex(app.secret, `POST\n${PATH}\n${upper}`);
    expect(verifyRequest(app, 'POST', PATH, `${upper}&auth_signature=${upperSignature}`, BODY, NOW).get('body_md5')).toBe('EC365A775A4CD0599FAEB73354201B6F');
  });

  it('names the failing part of a bad request', () => {
    expect(refusal(`auth_timestamp=${NOW}`)).toBe('Missing auth_key');
    expect(refusal(`auth_key=other&auth_timestamp=${NOW}`)).toBe('auth_key does not belong to this app');
    expect(refusal(`auth_key=${app.key}&auth_timestamp=${NOW * 1000}`)).toMatch(/auth_timestamp.*seconds/);
    expect(refusal(`${SIGNED}&auth_signature=${SIGNATURE}`, BODY, NOW + MAX_CLOCK_SKEW_S + 1)).toMatch(/more than 600 s/);
    expect(refusal(`${SIGNED.replace('1.0', '2.0')}&auth_signature=${SIGNATURE}`)).toBe('auth_version must be 1.0');
    // The signature is checked before the body: a query that drops body_md5 no longer matches its signature.
    expect(refusal(`auth_key=${app.key}&auth_timestamp=${NOW}&auth_signature=${SIGNATURE}`)).toBe('Invalid auth_signature');
    const unsignedBody = `auth_key=${app.key}&auth_timestamp=${NOW}&auth_version=1.0`;
    const noMd5Signature = hmacSha256Hex(app.secret, `POST\n${PATH}\n${unsignedBody}`);
    expect(refusal(`${unsignedBody}&auth_signature=${noMd5Signature}`)).toBe('Missing body_md5 for a request with a body');
    expect(refusal(`${SIGNED}&auth_signature=${SIGNATURE}`, Buffer.from('{}'))).toBe('body_md5 does not match the body');
    expect(refusal(SIGNED)).toBe('Missing auth_signature');
    expect(refusal(`${SIGNED}&auth_signature=${SIGNATURE.replace(/.$/, '0')}`)).toBe('Invalid auth_signature');
    expect(refusal(`${SIGNED}&auth_signature=${SIGNATURE}`, BODY, NOW, 'PUT')).toBe('Invalid auth_signature');
  });

  it('refuses a repeated key before anything else, so that a signed value can never be read as another', () => {
    // Signed over one value, sent with a second one in front: a handler reading the first would serve it.
    expect(refusal(`body_md5=00&${SIGNED}&auth_signature=${SIGNATURE}`)).toMatch(/"body_md5" is repeated/);
    expect(refusal(`${SIGNED}&auth_signature=${SIGNATURE}&auth_signature=${SIGNATURE}`)).toMatch(/"auth_signature" is repeated/);
  });
});
