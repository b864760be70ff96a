import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asAppId, asDeviceId, asUserId, type DeviceRegistration, type DeviceStore, type WebPushSubscription } from '@sockudo-ts/shared';

/** DeviceStoreHandle is a fresh device store for one test and how to dispose of it. */
export interface DeviceStoreHandle {
  store: DeviceStore;
  dispose(): Promise<void>;
}

/** apnsToken returns a random APNs device token (64 hex digits). */
export const apnsToken = (): string => randomBytes(32).toString('hex');
/** fcmToken returns a random FCM registration token of the usual shape. */
export const fcmToken = (): string => `${randomBytes(8).toString('base64url')}:APA91${randomBytes(60).toString('base64url')}`;
/** webSubscription returns a Web Push subscription with well-formed (random) keys. */
export const webSubscription = (): WebPushSubscription => ({
  endpoint: `https://push.example.test/send/${randomBytes(12).toString('hex')}`,
  keys: { p256dh: Buffer.concat([Buffer.from([4]), randomBytes(64)]).toString('base64url'), auth: randomBytes(16).toString('base64url') },
});

/**
 * describeDeviceStoreContract runs the DeviceStore port's contract: what the push APIs and the worker's
 * planner rely on, whatever keeps the devices. Every test uses its own app ids, so a store shared between
 * tests (a database) needs no cleaning in between.
 */
export function describeDeviceStoreContract(name: string, make: () => Promise<DeviceStoreHandle>): void {
  describe(`DeviceStore contract: ${name}`, () => {
    let handle: DeviceStoreHandle;
    let store: DeviceStore;
    let app = asAppId('');
    let other = asAppId('');
    beforeEach(async () => {
      app = asAppId(`app-${randomBytes(4).toString('hex')}`);
      other = asAppId(`other-${randomBytes(4).toString('hex')}`);
      handle = await make();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.dispose();
    });

    const apns = (extra: Partial<DeviceRegistration> = {}): DeviceRegistration => ({ platform: 'apns', token: apnsToken(), ...extra }) as DeviceRegistration;

    it('registers each platform once per address, keeping the id, interests and user on a repeat', async () => {
      const token = apnsToken();
      const first = await store.register(app, { platform: 'apns', token, metadata: { sdk: '1' }, interests: ['b', 'a', 'a'], user_id: asUserId('u1') });
      expect(first).toMatchObject({ platform: 'apns', token, app_id: app, interests: ['a', 'b'], user_id: 'u1', metadata: { sdk: '1' } });
      const again = await store.register(app, { platform: 'apns', token, metadata: { sdk: '2' } });
      expect(again.id).toBe(first.id);
      expect(again).toMatchObject({ interests: ['a', 'b'], user_id: 'u1', metadata: { sdk: '2' } });
      const subscription = webSubscription();
      const web = await store.register(app, { platform: 'web', subscription });
      const fcm = await store.register(app, { platform: 'fcm', token: fcmToken() });
      expect(await store.get(app, web.id)).toMatchObject({ platform: 'web', subscription });
      expect(new Set([first.id, web.id, fcm.id]).size).toBe(3);
      // a browser subscribing again at the same endpoint with new keys keeps its device, with the new keys
      const keys = webSubscription().keys;
      expect(await store.register(app, { platform: 'web', subscription: { ...subscription, keys } })).toMatchObject({ id: web.id, subscription: { keys } });
    });

    it('makes one device of registrations of one address racing each other', async () => {
      const token = apnsToken();
      const devices = await Promise.all(Array.from({ length: 6 }, (_, i) => store.register(app, { platform: 'apns', token, ...(i % 2 === 0 ? { interests: ['race'] } : {}) })));
      expect(new Set(devices.map((d) => d.id)).size).toBe(1);
      expect((await store.list(app)).items).toHaveLength(1);
    });

    it('keeps apps apart: the same token in two apps is two devices, invisible to each other', async () => {
      const token = apnsToken();
      const a = await store.register(app, { platform: 'apns', token, interests: ['shared'] });
      const b = await store.register(other, { platform: 'apns', token, interests: ['shared'] });
      expect(a.id).not.toBe(b.id);
      expect(await store.get(other, a.id)).toBeUndefined();
      expect(await store.delete(other, a.id)).toBe(false);
      expect((await store.devicesByInterest(other, 'shared')).items.map((d) => d.id)).toEqual([b.id]);
    });

    it('gets many devices at once, leaving out the missing ones', async () => {
      const a = await store.register(app, apns());
      const b = await store.register(app, apns());
      const got = await store.getMany(app, [a.id, asDeviceId('nope'), b.id, a.id]);
      expect(got.map((d) => d.id).sort()).toEqual([a.id, b.id].sort());
      expect(await store.getMany(app, [])).toEqual([]);
    });

    it('updates a token: the old address is free, and a device that held the new one is replaced', async () => {
      const device = await store.register(app, apns({ interests: ['x'] }));
      const stale = await store.register(app, apns());
      const fresh = await store.update(app, device.id, { token: stale.platform === 'apns' ? stale.token : '', metadata: { v: 2 } });
      expect(fresh).toMatchObject({ id: device.id, interests: ['x'], metadata: { v: 2 } });
      expect(await store.get(app, stale.id)).toBeUndefined();
      const reused = await store.register(app, { platform: 'apns', token: device.platform === 'apns' ? device.token : '' });
      expect(reused.id).not.toBe(device.id);
      expect(await store.update(app, asDeviceId('nope'), { metadata: {} })).toBeUndefined();
    });

    it('lists devices by id with a cursor, filtered by user or platform', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push((await store.register(app, apns({ user_id: asUserId(i % 2 === 0 ? 'even' : 'odd') }))).id);
      for (let i = 0; i < 3; i++) ids.push((await store.register(app, { platform: 'fcm', token: fcmToken() })).id);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.list(app, { limit: 4, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(4);
        seen.push(...page.items.map((d) => d.id));
        cursor = page.next_cursor;
        pages++;
      } while (cursor !== undefined);
      expect(pages).toBe(4);
      expect(seen).toEqual([...ids].sort());
      expect((await store.list(app, { user_id: asUserId('even') })).items).toHaveLength(6);
      expect((await store.list(app, { platform: 'fcm' })).items.map((d) => d.platform)).toEqual(['fcm', 'fcm', 'fcm']);
      expect(await store.list(asAppId(`empty-${randomBytes(4).toString('hex')}`))).toEqual({ items: [] });
    });

    it('sets, adds and removes interests, and pages every subscriber once even while devices leave', async () => {
      const device = await store.register(app, apns());
      expect((await store.setInterests(app, device.id, ['z', 'a', 'z']))?.interests).toEqual(['a', 'z']);
      expect((await store.addInterest(app, device.id, 'm'))?.interests).toEqual(['a', 'm', 'z']);
      expect((await store.addInterest(app, device.id, 'm'))?.interests).toEqual(['a', 'm', 'z']);
      expect((await store.removeInterest(app, device.id, 'a'))?.interests).toEqual(['m', 'z']);
      expect((await store.devicesByInterest(app, 'a')).items).toEqual([]);
      expect(await store.addInterest(app, asDeviceId('nope'), 'm')).toBeUndefined();

      const subscribers: string[] = [device.id];
      for (let i = 0; i < 249; i++) subscribers.push((await store.register(app, apns({ interests: ['m'] }))).id);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.devicesByInterest(app, 'm', { limit: 100, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((d) => d.id));
        cursor = page.next_cursor;
        if (seen.length === 100) {
          // why: a device that leaves mid-listing must not make the listing repeat or skip the others.
          const gone = [...subscribers].sort()[150]!;
          await store.delete(app, asDeviceId(gone));
          subscribers.splice(subscribers.indexOf(gone), 1);
        }
      } while (cursor !== undefined);
      expect(seen).toEqual([...subscribers].sort());
    });

    it('deletes a device from every index', async () => {
      const device = await store.register(app, apns({ interests: ['gone'], user_id: asUserId('leaver') }));
      expect(await store.delete(app, device.id)).toBe(true);
      expect(await store.delete(app, device.id)).toBe(false);
      expect(await store.get(app, device.id)).toBeUndefined();
      expect((await store.devicesByInterest(app, 'gone')).items).toEqual([]);
      expect(await store.devicesByUser(app, asUserId('leaver'))).toEqual([]);
    });

    it('associates devices with users, moves them, clears them, and deletes a user with all their devices', async () => {
      const phone = await store.register(app, apns());
      const laptop = await store.register(app, { platform: 'web', subscription: webSubscription() });
      const bystander = await store.register(app, apns({ user_id: asUserId('bob') }));
      await store.associateUser(app, phone.id, asUserId('alice'));
      await store.associateUser(app, laptop.id, asUserId('alice'));
      expect((await store.devicesByUser(app, asUserId('alice'))).map((d) => d.id).sort()).toEqual([phone.id, laptop.id].sort());
      await store.associateUser(app, laptop.id, asUserId('carol'));
      expect((await store.devicesByUser(app, asUserId('alice'))).map((d) => d.id)).toEqual([phone.id]);
      expect((await store.associateUser(app, laptop.id, undefined))?.user_id).toBeUndefined();
      expect(await store.devicesByUser(app, asUserId('carol'))).toEqual([]);
      await store.associateUser(app, laptop.id, asUserId('alice'));
      expect(await store.deleteUser(app, asUserId('alice'))).toBe(2);
      expect(await store.getMany(app, [phone.id, laptop.id, bystander.id])).toEqual([expect.objectContaining({ id: bystander.id })]);
      expect(await store.deleteUser(app, asUserId('alice'))).toBe(0);
    });

    it('hands out copies: changing a device it returned does not change the store', async () => {
      const device = await store.register(app, apns({ interests: ['kept'] }));
      device.interests.push('sneaky');
      device.metadata.injected = true;
      expect(await store.get(app, device.id)).toMatchObject({ interests: ['kept'], metadata: {} });
    });
  });
}
