import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApnsProvider, type ApnsOptions } from '@sockudo-ts/push';
import { binariesPresent } from '../../../../tests/kit/services.js';
import { ApnsFake } from '../fakes/apns-fake.js';
import { deviceOf, hexToken, sendOf } from '../fakes/helpers.js';
import { OPENSSL, testCertificates } from '../fakes/tls.js';

const present = binariesPresent('APNs provider', OPENSSL);
const TEAM = 'TEAM123456';
const KEY_ID = 'KEY7654321';
const TOPIC = 'com.example.app';

function p8(): { pem: string; publicKey: ReturnType<typeof generateKeyPairSync>['publicKey'] } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

describe.skipIf(!present)('ApnsProvider against a fake APNs (HTTP/2, TLS, ES256 provider tokens)', () => {
  let fake: ApnsFake;
  let provider: ApnsProvider;
  let key: ReturnType<typeof p8>;
  let clock: number;
  const make = (extra: Partial<ApnsOptions> = {}): ApnsProvider =>
    new ApnsProvider({ teamId: TEAM, keyId: KEY_ID, privateKey: key.pem, topic: TOPIC, endpoint: fake.origin, ca: testCertificates().ca, timeoutMs: 10_000, now: () => clock, ...extra });

  beforeEach(async () => {
    clock = Date.now();
    key = p8();
    fake = await ApnsFake.start({ teamId: TEAM, keyId: KEY_ID, publicKey: key.publicKey, topic: TOPIC, now: () => clock });
    provider = make();
  });
  afterEach(async () => {
    await provider.close();
    await fake.close();
  });

  it('delivers with the headers Apple wants, over one HTTP/2 session and one cached provider token', async () => {
    const phone = deviceOf({ platform: 'apns', token: hexToken() });
    const expiresAt = clock + 600_000;
    const alert = { apns: { aps: { alert: { title: 'Hi', body: 'ü' } }, data: { order: 7 }, collapse_id: 'orders' } };
    expect(await provider.send(sendOf(phone, alert, expiresAt))).toEqual({ kind: 'delivered', status: 200 });
    expect(await provider.send(sendOf(phone, { apns: { aps: { 'content-available': 1 } } }, expiresAt))).toMatchObject({ kind: 'delivered' });
    expect(await provider.send(sendOf(phone, { apns: { aps: { alert: 'x' }, push_type: 'voip', priority: 5, expiration: 0 } }, expiresAt))).toMatchObject({ kind: 'delivered' });

    expect(fake.problems).toEqual([]);
    const [first, background, voip] = fake.delivered(phone.platform === 'apns' ? phone.token : '');
    expect(first).toMatchObject({ topic: TOPIC, pushType: 'alert', priority: '10', expiration: String(Math.floor(expiresAt / 1000)), collapseId: 'orders' });
    expect(first!.payload).toEqual({ aps: { alert: { title: 'Hi', body: 'ü' } }, data: { order: 7 } });
    expect(background).toMatchObject({ pushType: 'background', priority: '5' });
    expect(voip).toMatchObject({ topic: `${TOPIC}.voip`, pushType: 'voip', priority: '5', expiration: '0' });
    expect(fake.jwts).toHaveLength(1);
    expect(fake.sessions).toBe(1);
  });

  it('signs a new provider token before the old one is 50 minutes old, and at once when Apple calls it expired', async () => {
    const phone = deviceOf({ platform: 'apns', token: hexToken() });
    const note = { apns: { aps: { alert: 'tick' } } };
    await provider.send(sendOf(phone, note));
    clock += 49 * 60_000;
    await provider.send(sendOf(phone, note));
    expect(fake.jwts).toHaveLength(1);
    clock += 60_000;
    await provider.send(sendOf(phone, note));
    expect(fake.jwts).toHaveLength(2);

    const lazy = make({ tokenRefreshMs: 24 * 3_600_000 });
    try {
      await lazy.send(sendOf(phone, note));
      clock += 61 * 60_000;
      expect(await lazy.send(sendOf(phone, note))).toMatchObject({ kind: 'delivered' });
      expect(fake.problems).toEqual(['403 ExpiredProviderToken']);
      expect(fake.deliveries).toHaveLength(5);
    } finally {
      await lazy.close();
    }
  });

  it('is refused when its provider token is signed with another key (the fake checks the signature)', async () => {
    const stranger = new ApnsProvider({ teamId: TEAM, keyId: KEY_ID, privateKey: p8().pem, topic: TOPIC, endpoint: fake.origin, ca: testCertificates().ca });
    try {
      expect(await stranger.send(sendOf(deviceOf({ platform: 'apns', token: hexToken() }), { apns: { aps: { alert: 'x' } } }))).toEqual({
        kind: 'rejected',
        status: 403,
        reason: 'InvalidProviderToken',
      });
      expect(fake.deliveries).toEqual([]);
    } finally {
      await stranger.close();
    }
  });

  it('reports dead tokens as invalid: 410 Unregistered and 400 BadDeviceToken', async () => {
    const gone = hexToken();
    fake.faults.add(gone, { kind: 'unregistered' });
    const note = { apns: { aps: { alert: 'x' } } };
    expect(await provider.send(sendOf(deviceOf({ platform: 'apns', token: gone }), note))).toEqual({ kind: 'invalid-token', status: 410, reason: 'Unregistered' });
    expect(await provider.send(sendOf(deviceOf({ platform: 'apns', token: 'not-hex' }), note))).toEqual({ kind: 'invalid-token', status: 400, reason: 'BadDeviceToken' });
  });

  it('retries 429 (after Retry-After, or a second when Apple gives none) and 5xx, and refuses an oversized payload', async () => {
    const token = hexToken();
    const phone = deviceOf({ platform: 'apns', token });
    const note = { apns: { aps: { alert: 'x' } } };
    fake.faults.add(token, { kind: 'throttle', retryAfterSeconds: 7 }, 1);
    fake.faults.add(token, { kind: 'throttle' }, 1);
    fake.faults.add(token, { kind: 'error', status: 503 }, 1);
    fake.faults.add(token, { kind: 'error', status: 500 }, 1);
    expect(await provider.send(sendOf(phone, note))).toEqual({ kind: 'retry', status: 429, reason: 'TooManyRequests', retryAfterMs: 7000 });
    expect(await provider.send(sendOf(phone, note))).toEqual({ kind: 'retry', status: 429, reason: 'TooManyRequests', retryAfterMs: 1000 });
    expect(await provider.send(sendOf(phone, note))).toEqual({ kind: 'retry', status: 503, reason: 'ServiceUnavailable' });
    expect(await provider.send(sendOf(phone, note))).toEqual({ kind: 'retry', status: 500, reason: 'InternalServerError' });
    expect(await provider.send(sendOf(phone, note))).toMatchObject({ kind: 'delivered' });
    const big = await provider.send(sendOf(phone, { apns: { aps: { alert: 'x'.repeat(5000) } } }));
    expect(big).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('the limit is 4096') });
    expect(fake.deliveries).toHaveLength(1);
  });

  it('gives up on a request after its timeout, and reconnects when APNs comes back after being down', async () => {
    const token = hexToken();
    const phone = deviceOf({ platform: 'apns', token });
    const note = { apns: { aps: { alert: 'x' } } };
    fake.faults.add(token, { kind: 'stall' }, 1);
    const impatient = make({ timeoutMs: 500 });
    expect(await impatient.send(sendOf(phone, note))).toEqual({ kind: 'retry', reason: 'no answer within 500 ms' });
    await impatient.close();
    await fake.down();
    expect(await provider.send(sendOf(phone, note))).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/^connection error|without an answer/) });
    await fake.up();
    expect(await provider.send(sendOf(phone, note))).toMatchObject({ kind: 'delivered' });
    expect(fake.delivered(token)).toHaveLength(1);
  });

  it('drops a session that cannot finish connecting within the timeout, and tries a fresh one next time', async () => {
    const held: Socket[] = [];
    const blackhole = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const { port } = blackhole.address() as { port: number };
    const stuck = make({ endpoint: `https://127.0.0.1:${port}`, timeoutMs: 300 });
    try {
      const note = { apns: { aps: { alert: 'x' } } };
      const phone = deviceOf({ platform: 'apns', token: hexToken() });
      expect(await stuck.send(sendOf(phone, note))).toEqual({ kind: 'retry', reason: 'no answer within 300 ms' });
      expect(await stuck.send(sendOf(phone, note))).toEqual({ kind: 'retry', reason: 'no answer within 300 ms' });
      expect(held).toHaveLength(2);
    } finally {
      await stuck.close();
      held.forEach((s) => s.destroy());
      await new Promise((resolve) => blackhole.close(resolve));
    }
  });
});
