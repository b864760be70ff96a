import { describe, expect, it } from 'vitest';
import { deviceAddressKey, interestsProblem, metadataProblem, registrationProblem, subscriptionProblem, tokenProblem } from '@sockudo-ts/shared';
import { apnsToken, fcmToken, webSubscription } from './device-store-contract.js';

describe('push devices', () => {
  it('accepts registrations of each platform and says what is wrong with bad ones, never echoing a token', () => {
    expect(registrationProblem({ platform: 'apns', token: apnsToken(), interests: ['a'], user_id: 'u', metadata: { sdk: '1' } })).toBeUndefined();
    expect(registrationProblem({ platform: 'fcm', token: fcmToken() })).toBeUndefined();
    expect(registrationProblem({ platform: 'web', subscription: webSubscription() })).toBeUndefined();
    expect(registrationProblem({ platform: 'sms', token: 'x' })).toBe('platform must be one of apns, fcm, web');
    expect(registrationProblem({ platform: 'apns', token: apnsToken(), interests: ['ok', 'not ok'] })).toContain('forbidden character');
    expect(registrationProblem({ platform: 'apns', token: apnsToken(), metadata: { big: 'x'.repeat(3000) } })).toBe('metadata is at most 2048 bytes of JSON');
    expect(registrationProblem(null)).toBe('a device registration must be a JSON object');
    const secret = 'zz' + apnsToken();
    expect(tokenProblem('apns', secret)).toBe('an apns token must be an even number of hex digits');
    expect(tokenProblem('fcm', 'with space')).toBe('an fcm token must be printable ASCII without spaces');
    expect(tokenProblem('fcm', '')).toBe('a fcm device needs a non-empty token');
  });

  it('checks Web Push subscriptions: https endpoint, 65-byte p256dh, 16-byte auth', () => {
    const good = webSubscription();
    expect(subscriptionProblem({ ...good, endpoint: 'http://push.example/x' })).toBe('subscription.endpoint must be an https URL');
    expect(subscriptionProblem({ ...good, keys: { ...good.keys, p256dh: Buffer.alloc(33).toString('base64url') } })).toContain('p256dh');
    expect(subscriptionProblem({ ...good, keys: { ...good.keys, auth: 'short' } })).toContain('auth');
    expect(subscriptionProblem({ endpoint: 'nope' })).toBe('subscription.endpoint must be a URL');
  });

  it('limits interests and metadata, and keys devices by address', () => {
    expect(interestsProblem(Array.from({ length: 5001 }, (_, i) => `i${i}`))).toBe('a device can have at most 5000 interests');
    expect(interestsProblem('news')).toBe('interests must be an array of strings');
    expect(metadataProblem([1])).toBe('metadata must be a JSON object');
    expect(deviceAddressKey({ platform: 'apns', token: 'ab' })).toBe('apns:ab');
    expect(deviceAddressKey({ platform: 'web', subscription: { endpoint: 'https://e/1', keys: { p256dh: '', auth: '' } } })).toBe('web:https://e/1');
  });
});
