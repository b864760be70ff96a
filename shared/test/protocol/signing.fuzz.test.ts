import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channelAuthString, hexEquals, HmacSha256Key, hmacSha256Hex, httpStringToSign, safeEqual, signChannel, signHttpRequest, signUser, signinAuthString, verifyAuth } from '@sockudo-ts/shared';
import { FUZZ } from '../fuzz.js';

const key = fc.string({ minLength: 1, maxLength: 40 }).filter((k) => !k.includes(':'));
const secret = fc.string({ minLength: 1, maxLength: 64 });

describe('signing under random input', () => {
  it('verifies what it signed, and nothing signed with another secret, socket or channel', () => {
    fc.assert(
      fc.property(key, secret, secret, fc.string(), fc.string(), fc.option(fc.string(), { nil: undefined }), (k, s, other, socketId, channel, data) => {
        const auth = signChannel(k, s, socketId, channel, data);
        expect(verifyAuth(auth, k, s, channelAuthString(socketId, channel, data))).toBe(true);
        if (other !== s) expect(verifyAuth(auth, k, other, channelAuthString(socketId, channel, data))).toBe(false);
        expect(verifyAuth(auth, k, s, channelAuthString(`${socketId}1`, channel, data))).toBe(false);
        expect(verifyAuth(signUser(k, s, socketId, channel), k, s, signinAuthString(socketId, channel))).toBe(true);
      }),
      FUZZ,
    );
  });

  it('never throws on a hostile auth value, and accepts exactly the right key and signature', () => {
    const auth = fc.oneof(fc.anything(), fc.string(), fc.tuple(key, fc.string()).map(([k, sig]) => `${k}:${sig}`));
    fc.assert(
      fc.property(auth, key, secret, fc.string(), (given, k, s, message) => {
        const expected = `${k}:${hmacSha256Hex(s, message)}`;
        expect(verifyAuth(given, k, s, message)).toBe(given === expected);
        expect(verifyAuth(expected, k, s, message)).toBe(true);
        expect(verifyAuth(`${expected.slice(0, -1)}${expected.endsWith('0') ? '1' : '0'}`, k, s, message)).toBe(false);
      }),
      FUZZ,
    );
  });

  it('signs the same request the same way whatever the order of its query keys, and differently when a value changes', () => {
    const params = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k.toLowerCase() !== 'auth_signature'), fc.string(), { minKeys: 1, maxKeys: 8 });
    fc.assert(
      fc.property(secret, fc.constantFrom('GET', 'POST'), fc.string(), params, (s, method, path, query) => {
        const lowered = new Set(Object.keys(query).map((k) => k.toLowerCase()));
        fc.pre(lowered.size === Object.keys(query).length);
        const reversed = Object.fromEntries(Object.entries(query).reverse());
        expect(signHttpRequest(s, method, path, reversed)).toBe(signHttpRequest(s, method, path, query));
        const [first] = Object.keys(query);
        const changed = { ...query, [first!]: `${query[first!]}x` };
        expect(httpStringToSign(method, path, changed)).not.toBe(httpStringToSign(method, path, query));
      }),
      FUZZ,
    );
  });

  it('signs with a prepared key as with the secret, and compares as string equality does', () => {
    const text = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }));
    fc.assert(
      fc.property(fc.oneof(secret, fc.string({ unit: 'binary', maxLength: 100 })), fc.array(text, { minLength: 1, maxLength: 4 }), fc.string(), (s, messages, other) => {
        const prepared = new HmacSha256Key(s);
        for (const message of messages) {
          const expected = hmacSha256Hex(s, message);
          expect(prepared.hex(message)).toBe(expected);
          expect(hexEquals(expected.toUpperCase(), expected)).toBe(true);
          expect(hexEquals(other, expected)).toBe(other.toLowerCase() === expected && /^[\da-fA-F]*$/.test(other));
          expect(safeEqual(other, message)).toBe(other === message);
        }
      }),
      FUZZ,
    );
  });
});
