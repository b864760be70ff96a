import { expect, it } from 'vitest';
import PushNotifications from '@pusher/push-notifications-server';
import type { Device, PublishStatus } from '@sockudo-ts/shared';
import { apiClient, waitFor, type Target } from '../kit/index.js';
import type { FakeProviders } from '../../services/push/test/fakes/providers.js';
import { hexToken } from '../../services/push/test/fakes/helpers.js';

/** PushTarget is a running server (embedded or cluster) serving the push APIs, and the fakes it delivers to. */
export interface PushTarget {
  api: Target;
  fakes: FakeProviders;
}

/** NOTE_BODY is a Beams publish body with a part for every platform. */
export const NOTE_BODY = {
  apns: { aps: { alert: { title: 'Hello', body: 'from sockudo-ts' } } },
  fcm: { notification: { title: 'Hello', body: 'from sockudo-ts' } },
  web: { notification: { title: 'Hello', body: 'from sockudo-ts' } },
};

/** received counts what a device's fake provider accepted for it. */
export function received(fakes: FakeProviders, device: Device): number {
  if (device.platform === 'web') return fakes.web.delivered(device.subscription).length;
  return device.platform === 'apns' ? fakes.apns.delivered(device.token).length : fakes.fcm.delivered(device.token).length;
}

/** fcmToken is a random FCM registration token. */
const fcmToken = (): string => `fcm${hexToken().slice(0, 20)}:APA91${hexToken()}`;

/** beams is the official Beams server SDK pointed at the server (`endpoint`, plain HTTP on its port). */
function beams(t: PushTarget, secretKey = t.api.app.secret, instanceId = t.api.app.id): PushNotifications {
  return new PushNotifications({ instanceId, secretKey, endpoint: t.api.host, port: t.api.port } as PushNotifications.Options);
}

/** deviceApi calls the Beams device API as the Beams client SDKs do (JSON over fetch, no signature). */
async function deviceApi(t: PushTarget, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://${t.api.host}:${t.api.port}/device_api/v1/instances/${encodeURIComponent(t.api.app.id)}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** signed calls Sockudo's push API with the `pusher` SDK's generic signed get / post. */
async function signed(t: PushTarget, method: 'get' | 'post', path: string, body?: unknown, params?: Record<string, string>): Promise<{ status: number; body: any }> {
  const client = apiClient(t.api);
  try {
    // why: the SDK JSON-encodes `body` itself (lib/requests.js); its typings say string.
    const res = method === 'get' ? await client.get({ path, ...(params ? { params } : {}) }) : await client.post({ path, body: (body ?? {}) as string });
    return { status: res.status, body: await res.json() };
  } catch (err) {
    // why: the SDK rejects on a non-2xx answer, with the status and the body on the error.
    const e = err as { status?: number; body?: string };
    if (typeof e.status !== 'number') throw err;
    return { status: e.status, body: e.body ? JSON.parse(e.body) : undefined };
  }
}

async function completed(t: PushTarget, publishId: string): Promise<PublishStatus> {
  let status: PublishStatus | undefined;
  await waitFor(async () => {
    status = (await signed(t, 'get', `/push/publish/${publishId}/status`)).body as PublishStatus;
    return status.state === 'completed';
  }, 30_000, `publish ${publishId} to complete`);
  return status!;
}

/**
 * pushScenarios are the black-box push tests, run against the embedded server and a cluster (api + push
 * worker over BullMQ on Redis): devices of the three platforms registered through the APIs receive each
 * publish once through the fake providers; a device its provider calls unregistered is removed.
 */
export function pushScenarios(target: () => PushTarget): void {
  it('registers devices through the signed push API, pages them, and a publish reaches each once', async () => {
    const t = target();
    const interest = `news-${hexToken().slice(0, 8)}`;
    const devices: Device[] = [];
    for (const registration of [
      { platform: 'apns', token: hexToken(), interests: [interest] },
      { platform: 'fcm', token: fcmToken(), interests: [interest] },
      { platform: 'web', subscription: t.fakes.web.subscribe(), interests: [interest], metadata: { browser: 'test' } },
    ]) {
      const res = await signed(t, 'post', '/push/deviceRegistrations', registration);
      expect(res.status).toBe(201);
      devices.push(res.body as Device);
    }
    const gone = await signed(t, 'post', '/push/deviceRegistrations', { platform: 'web', subscription: t.fakes.web.subscribe() });
    await signed(t, 'post', '/push/channelSubscriptions', { device_id: gone.body.id, interest });
    expect((await signed(t, 'get', '/push/channelSubscriptions', undefined, { device_id: gone.body.id })).body).toEqual({ device_id: gone.body.id, interests: [interest] });

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await signed(t, 'get', '/push/deviceRegistrations', undefined, { limit: '3', ...(cursor ? { cursor } : {}) })).body;
      seen.push(...page.items.map((d: Device) => d.id));
      cursor = page.next_cursor;
    } while (cursor !== undefined);
    expect(seen.filter((id) => [...devices, gone.body].some((d) => d.id === id))).toHaveLength(4);
    expect((await signed(t, 'get', `/push/deviceRegistrations/${devices[2]!.id}`)).body).toMatchObject({ platform: 'web', metadata: { browser: 'test' } });

    t.fakes.web.unsubscribe(gone.body.subscription);
    const publish = await signed(t, 'post', '/push/publish', { interests: [interest], ...NOTE_BODY });
    expect(publish.status).toBe(202);
    expect(publish.body.publish_id).toMatch(/^pubid-/);
    expect(await completed(t, publish.body.publish_id)).toMatchObject({ recipients: 4, delivered: 3, removed: 1, failed: 0 });
    for (const device of devices) expect(received(t.fakes, device)).toBe(1);
    expect((await signed(t, 'get', `/push/deviceRegistrations/${gone.body.id}`)).status).toBe(404);

    const bad = await signed(t, 'post', '/push/publish', { interests: [interest], web: { notification: { body: 'x'.repeat(5000) } } });
    expect(bad.status).toBe(413);
    await signed(t, 'post', '/push/channelSubscriptions/delete', { device_id: devices[0]!.id, interest });
    expect((await signed(t, 'get', '/push/channelSubscriptions', undefined, { interest })).body.device_ids.sort()).toEqual([devices[1]!.id, devices[2]!.id].sort());
    expect((await signed(t, 'post', `/push/deviceRegistrations/${devices[0]!.id}/delete`)).status).toBe(200);
    expect((await signed(t, 'get', `/push/deviceRegistrations/${devices[0]!.id}`)).status).toBe(404);
    expect(t.fakes.problems()).toEqual([]);
  }, 90_000);

  it('serves the Pusher Beams APIs: client-SDK device registration, the server SDK publishing to an interest and to a user, dead letters replayed', async () => {
    const t = target();
    const interest = `beams-${hexToken().slice(0, 8)}`;
    const subscription = t.fakes.web.subscribe();
    const registrations = [
      { platform: 'apns', body: { token: hexToken(), bundleIdentifier: 'com.example.app', metadata: { sdkVersion: '4.0.0' } } },
      { platform: 'fcm', body: { token: fcmToken(), metadata: { sdkVersion: '1.9.0' } } },
      { platform: 'web', body: { token: Buffer.from(JSON.stringify(subscription)).toString('base64'), metadata: { sdkVersion: '2.1.0' } } },
    ];
    const ids: Array<{ platform: string; id: string }> = [];
    for (const { platform, body } of registrations) {
      const res = await deviceApi(t, 'POST', `/devices/${platform}`, body);
      expect(res.status).toBe(200);
      expect(res.body.initialInterestSet).toEqual([]);
      ids.push({ platform, id: res.body.id });
      expect((await deviceApi(t, 'PUT', `/devices/${platform}/${res.body.id}/interests`, { interests: [interest] })).status).toBe(200);
    }
    expect((await deviceApi(t, 'GET', `/devices/web/${ids[2]!.id}/interests`)).body.interests).toEqual([interest]);
    expect((await deviceApi(t, 'POST', `/devices/web/${ids[2]!.id}/interests/extra`)).status).toBe(200);
    expect((await deviceApi(t, 'GET', `/devices/apns/${ids[2]!.id}`)).status).toBe(404);
    const vapid = await deviceApi(t, 'GET', '/web-vapid-public-key');
    expect(vapid.body.vapidPublicKey).toMatch(/^[A-Za-z0-9_-]{80,}$/);

    const server = beams(t);
    const devices = (await Promise.all(ids.map(async ({ id }) => (await signed(t, 'get', `/push/deviceRegistrations/${id}`)).body))) as Device[];
    // the APNs device refuses once for good (a dead letter), then accepts the replay
    const phone = devices[0]!;
    if (phone.platform === 'apns') t.fakes.apns.faults.add(phone.token, { kind: 'error', status: 400, reason: 'BadMessageId' }, 1);
    const { publishId } = await server.publishToInterests([interest], NOTE_BODY);
    expect(publishId).toMatch(/^pubid-/);
    expect(await completed(t, publishId)).toMatchObject({ recipients: 3, delivered: 2, failed: 1 });
    // why: the worker counts the device as failed before the queue has moved its job to the dead letters.
    let letter: { id: string; publish_id: string; platform: string } | undefined;
    await waitFor(async () => {
      const letters = (await signed(t, 'get', '/push/deadLetters')).body.dead_letters as Array<{ id: string; publish_id: string; platform: string }>;
      letter = letters.find((l) => l.publish_id === publishId);
      return letter !== undefined;
    }, 30_000, 'the dead letter');
    expect(letter).toMatchObject({ platform: 'apns' });
    expect((await signed(t, 'post', `/push/deadLetters/${encodeURIComponent(letter!.id)}/replay`)).status).toBe(200);
    await waitFor(() => received(t.fakes, phone) === 1, 30_000, 'the replayed dead letter');
    for (const device of devices) expect(received(t.fakes, device)).toBe(1);

    // a user: two devices associated through the token of the app's auth endpoint (generateToken)
    const user = `user-${hexToken().slice(0, 8)}`;
    const { token } = server.generateToken(user) as { token: string };
    for (const { platform, id } of ids.slice(1)) {
      expect((await deviceApi(t, 'PUT', `/devices/${platform}/${id}/user`, undefined, { Authorization: `Bearer ${token}` })).status).toBe(200);
    }
    const forged = beams(t, 'not-the-secret').generateToken(user) as { token: string };
    const refused = await deviceApi(t, 'PUT', `/devices/apns/${ids[0]!.id}/user`, undefined, { Authorization: `Bearer ${forged.token}` });
    expect(refused).toMatchObject({ status: 401, body: { error: 'Unauthorized', description: 'the token signature is invalid' } });
    const personal = await server.publishToUsers([user], NOTE_BODY);
    expect(await completed(t, personal.publishId)).toMatchObject({ recipients: 2, delivered: 2 });
    expect(devices.map((d) => received(t.fakes, d))).toEqual([1, 2, 2]);

    await expect(beams(t, 'wrong-secret').publishToInterests([interest], NOTE_BODY)).rejects.toThrow('401 Unauthorized - Incorrect secret key for this instance');
    await expect(server.publishToInterests([interest], { web: { notification: { body: 'x'.repeat(5000) } } } as never)).rejects.toThrow(/^413 Payload Too Large - /);
    await server.deleteUser(user);
    expect((await deviceApi(t, 'GET', `/devices/fcm/${ids[1]!.id}`)).status).toBe(404);
    expect((await deviceApi(t, 'GET', `/devices/apns/${ids[0]!.id}`)).status).toBe(200);
    expect((await deviceApi(t, 'DELETE', `/devices/apns/${ids[0]!.id}`)).status).toBe(200);
    expect((await deviceApi(t, 'GET', `/devices/apns/${ids[0]!.id}`)).body).toEqual({ error: 'Not Found', description: 'Device not found' });
    expect(t.fakes.problems()).toEqual([]);
  }, 120_000);
}
