import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FcmProvider, type FcmOptions, type ServiceAccount } from '@sockudo-ts/push';
import { FcmFake, TOKEN_ENDPOINT } from '../fakes/fcm-fake.js';
import { deviceOf, sendOf } from '../fakes/helpers.js';

const PROJECT = 'sockudo-test';
const EMAIL = 'push@sockudo-test.iam.gserviceaccount.com';

function serviceAccountKeys(): { pem: string; publicKey: ReturnType<typeof generateKeyPairSync>['publicKey'] } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

const fcmToken = (): string => `${randomBytes(8).toString('base64url')}:APA91${randomBytes(40).toString('base64url')}`;

describe('FcmProvider against a fake FCM (OAuth2 service-account assertion, HTTP v1 messages:send)', () => {
  let fake: FcmFake;
  let provider: FcmProvider;
  let keys: ReturnType<typeof serviceAccountKeys>;
  let clock: number;
  const account = (pem = keys.pem): ServiceAccount => ({ project_id: PROJECT, client_email: EMAIL, private_key: pem, private_key_id: 'k1', token_uri: fake.tokenUri });
  const make = (extra: Partial<FcmOptions> = {}): FcmProvider => new FcmProvider({ serviceAccount: JSON.stringify(account()), endpoint: fake.origin, timeoutMs: 10_000, now: () => clock, ...extra });

  beforeEach(async () => {
    clock = Date.now();
    keys = serviceAccountKeys();
    fake = await FcmFake.start({ projectId: PROJECT, clientEmail: EMAIL, publicKey: keys.publicKey, staticToken: 'static-token', now: () => clock });
    provider = make();
  });
  afterEach(async () => {
    await provider.close();
    await fake.close();
  });

  it('exchanges a signed assertion for an access token, caches it until it expires, and sends v1 messages', async () => {
    const token = fcmToken();
    const phone = deviceOf({ platform: 'fcm', token });
    const publish = {
      fcm: {
        notification: { title: 'Hi', body: 'ü', android_channel_id: 'news', icon: 'ic' },
        data: { order: 7, tag: 'a' },
        priority: 'high' as const,
        collapse_key: 'orders',
      },
    };
    expect(await provider.send(sendOf(phone, publish, clock + 600_000))).toEqual({ kind: 'delivered', status: 200 });
    expect(await provider.send(sendOf(phone, { fcm: { data: { only: 'data' } } }, clock + 600_000))).toMatchObject({ kind: 'delivered' });
    expect(fake.problems).toEqual([]);
    expect(fake.exchanges).toBe(1);
    expect(fake.delivered(token)[0]!.message).toEqual({
      token,
      notification: { title: 'Hi', body: 'ü' },
      data: { order: '7', tag: 'a' },
      android: { ttl: '600s', priority: 'HIGH', collapse_key: 'orders', notification: { icon: 'ic', channel_id: 'news' } },
    });
    expect(fake.delivered(token)[1]!.message).toEqual({ token, data: { only: 'data' }, android: { ttl: '600s' } });

    clock += 58 * 60_000;
    await provider.send(sendOf(phone, publish));
    expect(fake.exchanges).toBe(1);
    clock += 60_000;
    await provider.send(sendOf(phone, publish));
    expect(fake.exchanges).toBe(2);
  });

  it('exchanges again when FCM refuses a revoked token, and one exchange serves concurrent sends', async () => {
    const phone = deviceOf({ platform: 'fcm', token: fcmToken() });
    const note = { fcm: { notification: { title: 'x' } } };
    await Promise.all([1, 2, 3, 4].map(() => provider.send(sendOf(phone, note))));
    expect(fake.exchanges).toBe(1);
    fake.revokeTokens();
    expect(await provider.send(sendOf(phone, note))).toMatchObject({ kind: 'delivered' });
    expect(fake.exchanges).toBe(2);
    expect(fake.messages).toHaveLength(5);
  });

  it('sends with a static provider token, and is refused with a wrong one', async () => {
    const phone = deviceOf({ platform: 'fcm', token: fcmToken() });
    const note = { fcm: { notification: { title: 'x' } } };
    const fixed = new FcmProvider({ providerToken: 'static-token', projectId: PROJECT, endpoint: fake.origin });
    const wrong = new FcmProvider({ providerToken: 'stale-token', projectId: PROJECT, endpoint: fake.origin });
    try {
      expect(await fixed.send(sendOf(phone, note))).toMatchObject({ kind: 'delivered' });
      expect(await wrong.send(sendOf(phone, note))).toEqual({ kind: 'rejected', status: 401, reason: 'UNAUTHENTICATED' });
      expect(fake.exchanges).toBe(0);
    } finally {
      await fixed.close();
      await wrong.close();
    }
  });

  it('is refused a token when its assertion is signed with another key (the fake checks the signature)', async () => {
    const stranger = new FcmProvider({ serviceAccount: account(serviceAccountKeys().pem), endpoint: fake.origin });
    try {
      const outcome = await stranger.send(sendOf(deviceOf({ platform: 'fcm', token: fcmToken() }), { fcm: { data: { a: '1' } } }));
      expect(outcome).toEqual({ kind: 'rejected', status: 400, reason: 'token endpoint answered HTTP 400 (invalid_grant)' });
      expect(fake.problems).toEqual(['token: assertion: bad signature']);
      expect(fake.messages).toEqual([]);
    } finally {
      await stranger.close();
    }
  });

  it('reports UNREGISTERED and malformed registration tokens as invalid', async () => {
    const gone = fcmToken();
    fake.faults.add(gone, { kind: 'unregistered' });
    const note = { fcm: { notification: { title: 'x' } } };
    expect(await provider.send(sendOf(deviceOf({ platform: 'fcm', token: gone }), note))).toEqual({ kind: 'invalid-token', status: 404, reason: 'UNREGISTERED' });
    expect(await provider.send(sendOf(deviceOf({ platform: 'fcm', token: 'has space' }), note))).toEqual({
      kind: 'invalid-token',
      status: 400,
      reason: 'INVALID_ARGUMENT (message.token)',
    });
  });

  it('retries 429 after Retry-After and 5xx, refuses an oversized payload, and survives the token endpoint failing', async () => {
    const token = fcmToken();
    const phone = deviceOf({ platform: 'fcm', token });
    const note = { fcm: { notification: { title: 'x' } } };
    fake.faults.add(token, { kind: 'throttle', retryAfterSeconds: 30 }, 1);
    fake.faults.add(token, { kind: 'error', status: 503 }, 1);
    expect(await provider.send(sendOf(phone, note))).toEqual({ kind: 'retry', status: 429, reason: 'QUOTA_EXCEEDED', retryAfterMs: 30_000 });
    expect(await provider.send(sendOf(phone, note))).toEqual({ kind: 'retry', status: 503, reason: 'UNAVAILABLE' });
    expect(await provider.send(sendOf(phone, { fcm: { data: { big: 'x'.repeat(5000) } } }))).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('the limit is 4096') });

    const fresh = make();
    try {
      fake.faults.add(TOKEN_ENDPOINT, { kind: 'error', status: 503 }, 1);
      expect(await fresh.send(sendOf(phone, note))).toEqual({ kind: 'retry', status: 503, reason: 'token endpoint answered HTTP 503 (internal_failure)' });
      expect(await fresh.send(sendOf(phone, note))).toMatchObject({ kind: 'delivered' });
    } finally {
      await fresh.close();
    }
  });

  it('gives up on a request after its timeout, and delivers again once FCM is back after being down', async () => {
    const token = fcmToken();
    const phone = deviceOf({ platform: 'fcm', token });
    const note = { fcm: { notification: { title: 'x' } } };
    await provider.send(sendOf(phone, note));
    fake.faults.add(token, { kind: 'stall' }, 1);
    const impatient = new FcmProvider({ providerToken: 'static-token', projectId: PROJECT, endpoint: fake.origin, timeoutMs: 500 });
    expect(await impatient.send(sendOf(phone, note))).toEqual({ kind: 'retry', reason: 'no answer within 500 ms' });
    await impatient.close();
    await fake.down();
    expect(await provider.send(sendOf(phone, note))).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/^connection error: ECONN(REFUSED|RESET)$/) });
    await fake.up();
    expect(await provider.send(sendOf(phone, note))).toMatchObject({ kind: 'delivered' });
    expect(fake.delivered(token)).toHaveLength(2);
  });
});
