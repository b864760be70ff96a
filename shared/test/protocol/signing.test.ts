import { describe, expect, it } from 'vitest';
import {
  channelAuthString,
  hexEquals,
  HmacSha256Key,
  hmacSha256Hex,
  httpStringToSign,
  md5Hex,
  safeEqual,
  signChannel,
  signHttpRequest,
  signUser,
  verifyAuth,
} from '@sockudo-ts/shared';

// The verified vectors of PROTOCOL.md §8 (the same ones Pusher's own SDK tests use).
const KEY = '278d425bdf160c739803';
const SECRET = '7ad3773142a6692b25b8';
const BODY = '{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}';
const BODY_MD5 = 'ec365a775a4cd0599faeb73354201b6f';
const STRING_TO_SIGN =
  'POST\n/apps/3/events\nauth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f';
const HTTP_SIGNATURE = 'da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c';
const CHANNEL_SIGNATURE = '58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4';
const USER_SIGNATURE = '4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba';

const params = { auth_key: KEY, auth_timestamp: '1353088179', auth_version: '1.0', body_md5: BODY_MD5 };

describe('HTTP API request signing (auth_version 1.0)', () => {
  it('hashes the raw body to the body_md5 of the vector', () => {
    expect(md5Hex(BODY)).toBe(BODY_MD5);
    expect(md5Hex(Buffer.from(BODY))).toBe(BODY_MD5);
  });

  it('builds the exact string to sign', () => {
    expect(httpStringToSign('POST', '/apps/3/events', params)).toBe(STRING_TO_SIGN);
  });

  it('signs the string to the signature of the vector', () => {
    expect(hmacSha256Hex(SECRET, STRING_TO_SIGN)).toBe(HTTP_SIGNATURE);
    expect(signHttpRequest(SECRET, 'POST', '/apps/3/events', params)).toBe(HTTP_SIGNATURE);
  });

  it('sorts keys, lowercases them, leaves values unescaped and leaves auth_signature out', () => {
    const shuffled = { BODY_MD5: BODY_MD5, auth_version: '1.0', auth_signature: 'ignored', auth_timestamp: '1353088179', auth_key: KEY };
    expect(httpStringToSign('post', '/apps/3/events', shuffled)).toBe(STRING_TO_SIGN);
    expect(httpStringToSign('GET', '/apps/3/channels', { info: 'user_count,subscription_count', filter_by_prefix: 'presence-' })).toBe(
      'GET\n/apps/3/channels\nfilter_by_prefix=presence-&info=user_count,subscription_count',
    );
  });

  it('signs a parsed query (a Map) exactly as the same parameters in a record', () => {
    const parsed = new Map(Object.entries({ auth_signature: 'ignored', ...params }));
    expect(httpStringToSign('POST', '/apps/3/events', parsed)).toBe(STRING_TO_SIGN);
    expect(signHttpRequest(SECRET, 'POST', '/apps/3/events', parsed)).toBe(HTTP_SIGNATURE);
  });

  it('sorts by key alone, so a key with a character below "=" sorts after its prefix', () => {
    expect(httpStringToSign('GET', '/p', { 'a!': '1', a: '2' })).toBe('GET\n/p\na=2&a!=1');
  });

  it('gives a different signature for any change of method, path, parameter or secret', () => {
    expect(signHttpRequest(SECRET, 'GET', '/apps/3/events', params)).not.toBe(HTTP_SIGNATURE);
    expect(signHttpRequest(SECRET, 'POST', '/apps/4/events', params)).not.toBe(HTTP_SIGNATURE);
    expect(signHttpRequest(SECRET, 'POST', '/apps/3/events', { ...params, auth_timestamp: '1353088180' })).not.toBe(HTTP_SIGNATURE);
    expect(signHttpRequest('another-secret', 'POST', '/apps/3/events', params)).not.toBe(HTTP_SIGNATURE);
  });
});

describe('channel and user authorization signatures', () => {
  it('signs a private channel subscription to the vector', () => {
    expect(channelAuthString('1234.1234', 'private-foobar')).toBe('1234.1234:private-foobar');
    expect(signChannel(KEY, SECRET, '1234.1234', 'private-foobar')).toBe(`${KEY}:${CHANNEL_SIGNATURE}`);
  });

  it('signs presence channel_data as the third part of the message', () => {
    const data = '{"user_id":"10","user_info":{"name":"Mr. Channels"}}';
    expect(channelAuthString('1234.1234', 'presence-foobar', data)).toBe(`1234.1234:presence-foobar:${data}`);
    expect(signChannel(KEY, SECRET, '1234.1234', 'presence-foobar', data)).toBe(
      `${KEY}:${hmacSha256Hex(SECRET, `1234.1234:presence-foobar:${data}`)}`,
    );
  });

  it('signs user authentication (signin) to the vector', () => {
    expect(signUser(KEY, SECRET, '1234.1234', '{"id":"12345"}')).toBe(`${KEY}:${USER_SIGNATURE}`);
  });

  it('verifies a good auth value and rejects a wrong key, signature, message or shape', () => {
    const message = '1234.1234:private-foobar';
    expect(verifyAuth(`${KEY}:${CHANNEL_SIGNATURE}`, KEY, SECRET, message)).toBe(true);
    expect(verifyAuth(`wrong-key:${CHANNEL_SIGNATURE}`, KEY, SECRET, message)).toBe(false);
    expect(verifyAuth(`${KEY}:${CHANNEL_SIGNATURE.replace(/.$/, '0')}`, KEY, SECRET, message)).toBe(false);
    expect(verifyAuth(`${KEY}:${CHANNEL_SIGNATURE}`, KEY, SECRET, '1234.1235:private-foobar')).toBe(false);
    expect(verifyAuth(CHANNEL_SIGNATURE, KEY, SECRET, message)).toBe(false);
    expect(verifyAuth(undefined, KEY, SECRET, message)).toBe(false);
    expect(verifyAuth(42, KEY, SECRET, message)).toBe(false);
  });

  it('signs with a prepared key exactly as with the secret, whatever the secret and the message', () => {
    expect(new HmacSha256Key(SECRET).hex(STRING_TO_SIGN)).toBe(HTTP_SIGNATURE);
    const secrets = ['', 'k', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(65), 'ü€😀'.repeat(30)];
    // a long message after a short one and a short one after a long one: the key's buffers are reused
    const messages = ['', 'a', 'ü€😀 \u0000', 'm'.repeat(1000), '😀'.repeat(700), 'b'];
    for (const secret of secrets) {
      const key = new HmacSha256Key(secret);
      for (const message of messages) expect(key.hex(message)).toBe(hmacSha256Hex(secret, message));
    }
  });

  it('compares a hex string with a hex digest in either letter case, and refuses anything else', () => {
    const digest = BODY_MD5;
    expect(hexEquals(BODY_MD5, digest)).toBe(true);
    expect(hexEquals(BODY_MD5.toUpperCase(), digest)).toBe(true);
    expect(hexEquals(BODY_MD5.replace(/.$/, '0'), digest)).toBe(false);
    expect(hexEquals(BODY_MD5.slice(0, 30), digest)).toBe(false);
    expect(hexEquals(`${BODY_MD5.slice(0, 30)}zz`, digest)).toBe(false);
    expect(hexEquals(`${BODY_MD5}00`, digest)).toBe(false);
    // anything but hex at any place, even where it would decode like a digit elsewhere, is unequal
    for (const bad of [' ', '-', 'g', 'é', '\u0000', '+']) {
      for (const at of [0, 1, 15, 31]) expect(hexEquals(BODY_MD5.slice(0, at) + bad + BODY_MD5.slice(at + 1), digest)).toBe(false);
    }
    expect(hexEquals(HTTP_SIGNATURE.toUpperCase(), hmacSha256Hex(SECRET, STRING_TO_SIGN))).toBe(true);
    // characters whose low byte is a hex digit ('\u0161' ends in 0x61, 'a'), and a digest too long to be
    // compared as bytes, are read as characters still
    const a = BODY_MD5.indexOf('a');
    expect(hexEquals(`${BODY_MD5.slice(0, a)}\u0161${BODY_MD5.slice(a + 1)}`, digest)).toBe(false);
    expect(hexEquals(`${BODY_MD5.slice(0, a)}\u0141${BODY_MD5.slice(a + 1)}`, digest)).toBe(false);
    const long = BODY_MD5.repeat(5);
    expect(hexEquals(long.toUpperCase(), long)).toBe(true);
    expect(hexEquals(`${long.slice(0, 128 + a)}\u0161${long.slice(129 + a)}`, long)).toBe(false);
    expect(hexEquals(long.replace(/.$/, 'g'), long)).toBe(false);
  });

  it('compares strings of any length without throwing', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('', 'a')).toBe(false);
    expect(safeEqual('a\uD800', 'a\uDC00')).toBe(false);
    expect(safeEqual('ü€', 'ü€')).toBe(true);
  });
});
