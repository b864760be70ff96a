import { randomBytes } from 'node:crypto';
import { asAppId, asDeviceId, asPublishId, type Device, type PushNotification, type WebPushSubscription } from '@sockudo-ts/shared';
import type { SendRequest } from '../../src/providers/provider.js';

/** deviceOf builds a registered device for provider tests, without a store. */
export function deviceOf(address: { platform: 'apns' | 'fcm'; token: string } | { platform: 'web'; subscription: WebPushSubscription }): Device {
  return { ...address, id: asDeviceId(`${address.platform}-${randomBytes(6).toString('hex')}`), app_id: asAppId('provider-test'), interests: [], metadata: {}, created_at: 0, updated_at: 0 };
}

/** sendOf is a send request for a device that expires in an hour unless told otherwise. */
export function sendOf(device: Device, notification: PushNotification, expiresAt = Date.now() + 3_600_000): SendRequest {
  return { device, notification, publishId: asPublishId('pubid-test'), expiresAt };
}

/** hexToken returns a random 64-digit APNs device token. */
export const hexToken = (): string => randomBytes(32).toString('hex');
