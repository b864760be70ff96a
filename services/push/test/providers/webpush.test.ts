import webpush from 'web-push';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebPushProvider, type VapidKeys } from '@sockudo-ts/push';
import { binariesPresent } from '../../../../tests/kit/services.js';
import { deviceOf, sendOf } from '../fakes/helpers.js';
import { OPENSSL, testCertificates } from '../fakes/tls.js';
import { WebPushFake } from '../fakes/webpush-fake.js';

const present = binariesPresent('Web Push provider', OPENSSL);

describe.skipIf(!present)('WebPushProvider against a fake push service (VAPID, aes128gcm decrypted by the fake)', () => {
  let fake: WebPushFake;
  let provider: WebPushProvider;
  let vapid: VapidKeys;
  const make = (keys: VapidKeys = vapid, timeoutMs = 10_000): WebPushProvider => new WebPushProvider({ vapid: keys, ca: testCertificates().ca, timeoutMs });

  beforeEach(async () => {
    vapid = { subject: 'mailto:ops@example.com', ...webpush.generateVAPIDKeys() };
    fake = await WebPushFake.start({ vapidPublicKey: vapid.publicKey });
    provider = make();
  });
  afterEach(async () => {
    await provider.close();
    await fake.close();
  });

  it('delivers an encrypted payload the browser can decrypt, with TTL, Urgency and Topic', async () => {
    const subscription = fake.subscribe();
    const browser = deviceOf({ platform: 'web', subscription });
    const web = { notification: { title: 'Hi', body: 'ü', deep_link: 'https://example.com/x' }, data: { order: 7 }, urgency: 'high' as const, topic: 'orders' };
    expect(await provider.send(sendOf(browser, { web }, Date.now() + 600_500))).toEqual({ kind: 'delivered', status: 201 });
    expect(await provider.send(sendOf(browser, { web: { data: { quiet: true } } }))).toMatchObject({ kind: 'delivered' });
    expect(fake.problems).toEqual([]);
    const [first, second] = fake.delivered(subscription);
    expect(first).toMatchObject({ payload: { notification: web.notification, data: { order: 7 } }, urgency: 'high', topic: 'orders' });
    expect(first!.ttl).toBeGreaterThanOrEqual(599);
    expect(first!.ttl).toBeLessThanOrEqual(600);
    expect(second!.payload).toEqual({ notification: {}, data: { quiet: true } });
  });

  it('signs one VAPID token per push service for 12 hours, and a new one when less than an hour is left', async () => {
    let clock = Date.now();
    const timed = new WebPushProvider({ vapid, ca: testCertificates().ca, now: () => clock });
    try {
      const browser = deviceOf({ platform: 'web', subscription: fake.subscribe() });
      const note = { web: { data: { a: 1 } } };
      await timed.send(sendOf(browser, note, clock + 60_000));
      clock += 10 * 3_600_000;
      await timed.send(sendOf(browser, note, clock + 60_000));
      expect(fake.vapidTokens).toHaveLength(1);
      clock += 1.5 * 3_600_000;
      await timed.send(sendOf(browser, note, clock + 60_000));
      expect(fake.vapidTokens).toHaveLength(2);
      expect(fake.problems).toEqual([]);
    } finally {
      await timed.close();
    }
  });

  it('is refused by the push service when it signs VAPID with a key the browser did not subscribe with', async () => {
    const stranger = make({ subject: 'mailto:ops@example.com', ...webpush.generateVAPIDKeys() });
    try {
      const outcome = await stranger.send(sendOf(deviceOf({ platform: 'web', subscription: fake.subscribe() }), { web: { data: { a: 1 } } }));
      expect(outcome).toEqual({ kind: 'rejected', status: 403, reason: 'HTTP 403' });
      expect(fake.problems).toEqual(['403 k is not the key the subscription was made with']);
    } finally {
      await stranger.close();
    }
  });

  it('is refused when the payload is encrypted for other keys (the fake decrypts with the subscription\'s own)', async () => {
    const subscription = fake.subscribe();
    const mixedUp = { ...subscription, keys: fake.subscribe().keys };
    const outcome = await provider.send(sendOf(deviceOf({ platform: 'web', subscription: mixedUp }), { web: { data: { a: 1 } } }));
    expect(outcome).toEqual({ kind: 'rejected', status: 400, reason: 'HTTP 400' });
    expect(fake.problems).toEqual(['400 cannot decrypt: Unsupported state or unable to authenticate data']);
  });

  it('reports a gone subscription (410, 404) and unusable keys as invalid', async () => {
    const note = { web: { notification: { title: 'x' } } };
    const left = fake.subscribe();
    fake.unsubscribe(left);
    expect(await provider.send(sendOf(deviceOf({ platform: 'web', subscription: left }), note))).toEqual({ kind: 'invalid-token', status: 410, reason: 'HTTP 410' });
    const flagged = fake.subscribe();
    fake.faults.add(flagged.endpoint.split('/').pop()!, { kind: 'unregistered' });
    expect(await provider.send(sendOf(deviceOf({ platform: 'web', subscription: flagged }), note))).toMatchObject({ kind: 'invalid-token', status: 410 });
    const nowhere = { ...fake.subscribe(), endpoint: `${fake.origin}/nowhere` };
    expect(await provider.send(sendOf(deviceOf({ platform: 'web', subscription: nowhere }), note))).toMatchObject({ kind: 'invalid-token', status: 404 });
    const offCurve = { ...fake.subscribe(), keys: { p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url'), auth: Buffer.alloc(16).toString('base64url') } };
    expect(await provider.send(sendOf(deviceOf({ platform: 'web', subscription: offCurve }), note))).toEqual({
      kind: 'invalid-token',
      status: 0,
      reason: 'the subscription keys cannot be used',
    });
    expect(fake.deliveries).toEqual([]);
  });

  it('retries 429 after Retry-After and 5xx, and refuses a payload too large once encrypted', async () => {
    const subscription = fake.subscribe();
    const browser = deviceOf({ platform: 'web', subscription });
    const id = subscription.endpoint.split('/').pop()!;
    fake.faults.add(id, { kind: 'throttle', retryAfterSeconds: 12 }, 1);
    fake.faults.add(id, { kind: 'error', status: 502 }, 1);
    const note = { web: { notification: { title: 'x' } } };
    expect(await provider.send(sendOf(browser, note))).toEqual({ kind: 'retry', status: 429, reason: 'HTTP 429', retryAfterMs: 12_000 });
    expect(await provider.send(sendOf(browser, note))).toEqual({ kind: 'retry', status: 502, reason: 'HTTP 502' });
    expect(await provider.send(sendOf(browser, note))).toMatchObject({ kind: 'delivered' });
    const big = await provider.send(sendOf(browser, { web: { data: { blob: 'x'.repeat(3990) } } }));
    expect(big).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('the limit is 3993') });
    expect(fake.delivered(subscription)).toHaveLength(1);
  });

  it('gives up on a request after its timeout, and delivers again once the push service is back', async () => {
    const subscription = fake.subscribe();
    const browser = deviceOf({ platform: 'web', subscription });
    fake.faults.add(subscription.endpoint.split('/').pop()!, { kind: 'stall' }, 1);
    const note = { web: { notification: { title: 'x' } } };
    const impatient = make(vapid, 500);
    expect(await impatient.send(sendOf(browser, note))).toEqual({ kind: 'retry', reason: 'no answer within 500 ms' });
    await impatient.close();
    await fake.down();
    expect(await provider.send(sendOf(browser, note))).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/^connection error: ECONN(REFUSED|RESET)$/) });
    await fake.up();
    expect(await provider.send(sendOf(browser, note))).toMatchObject({ kind: 'delivered' });
    expect(fake.delivered(subscription)).toHaveLength(1);
  });
});
