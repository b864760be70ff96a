import { randomUUID } from 'node:crypto';
import { asDeviceId, type AppId, type DeviceId, type UserId } from '../ids.js';
import { deviceAddressKey, type Device, type DeviceRegistration, type DeviceUpdate } from './device.js';
import { pageLimit, type DeviceFilter, type DeviceStore, type Page, type PageOptions } from './device-store.js';

interface AppDevices {
  devices: Map<DeviceId, Device>;
  byAddress: Map<string, DeviceId>;
  byInterest: Map<string, Set<DeviceId>>;
  byUser: Map<UserId, Set<DeviceId>>;
}

/**
 * MemoryDeviceStore is the DeviceStore of the embedded server: everything in this process, gone on restart.
 * It hands out copies, so a caller changing a device it got never changes the store.
 */
export class MemoryDeviceStore implements DeviceStore {
  private readonly apps = new Map<AppId, AppDevices>();

  constructor(private readonly now: () => number = Date.now) {}

  async register(app: AppId, registration: DeviceRegistration): Promise<Device> {
    const a = this.app(app);
    const key = deviceAddressKey(registration);
    const existing = a.byAddress.get(key);
    const t = this.now();
    let device: Device;
    if (existing !== undefined) {
      device = a.devices.get(existing)!;
      device.updated_at = t;
      // why: a browser that subscribes again at the same endpoint may hold new keys; the old ones no longer decrypt.
      if (device.platform === 'web' && registration.platform === 'web') device.subscription = structuredClone(registration.subscription);
      if (registration.metadata !== undefined) device.metadata = structuredClone(registration.metadata);
    } else {
      const { metadata, user_id: _user, interests: _interests, ...address } = registration;
      device = { ...structuredClone(address), id: asDeviceId(`${registration.platform}-${randomUUID()}`), app_id: app, interests: [], metadata: structuredClone(metadata ?? {}), created_at: t, updated_at: t };
      a.devices.set(device.id, device);
      a.byAddress.set(key, device.id);
    }
    if (registration.user_id !== undefined) this.setUser(a, device, registration.user_id);
    if (registration.interests !== undefined) this.replaceInterests(a, device, registration.interests);
    return structuredClone(device);
  }

  async update(app: AppId, id: DeviceId, update: DeviceUpdate): Promise<Device | undefined> {
    const a = this.apps.get(app);
    const device = a?.devices.get(id);
    if (a === undefined || device === undefined) return undefined;
    const oldKey = deviceAddressKey(device);
    if (device.platform === 'web' && update.subscription !== undefined) device.subscription = structuredClone(update.subscription);
    if (device.platform !== 'web' && update.token !== undefined) device.token = update.token;
    const newKey = deviceAddressKey(device);
    if (newKey !== oldKey) {
      // why: the address moved to this device; a stale registration still holding it would receive twice.
      const holder = a.byAddress.get(newKey);
      if (holder !== undefined && holder !== id) this.remove(a, holder);
      a.byAddress.delete(oldKey);
      a.byAddress.set(newKey, id);
    }
    if (update.metadata !== undefined) device.metadata = structuredClone(update.metadata);
    device.updated_at = this.now();
    return structuredClone(device);
  }

  async get(app: AppId, id: DeviceId): Promise<Device | undefined> {
    const device = this.apps.get(app)?.devices.get(id);
    return device === undefined ? undefined : structuredClone(device);
  }

  async getMany(app: AppId, ids: readonly DeviceId[]): Promise<Device[]> {
    const devices = this.apps.get(app)?.devices;
    if (devices === undefined) return [];
    return [...new Set(ids)].flatMap((id) => {
      const device = devices.get(id);
      return device === undefined ? [] : [structuredClone(device)];
    });
  }

  async list(app: AppId, filter: DeviceFilter = {}): Promise<Page<Device>> {
    const a = this.apps.get(app);
    if (a === undefined) return { items: [] };
    const ids = filter.user_id !== undefined ? a.byUser.get(filter.user_id) ?? new Set<DeviceId>() : a.devices.keys();
    const wanted = (id: DeviceId): boolean => filter.platform === undefined || a.devices.get(id)?.platform === filter.platform;
    return this.page(a, [...ids].filter(wanted), filter);
  }

  async delete(app: AppId, id: DeviceId): Promise<boolean> {
    const a = this.apps.get(app);
    if (a === undefined || !a.devices.has(id)) return false;
    this.remove(a, id);
    return true;
  }

  async setInterests(app: AppId, id: DeviceId, interests: readonly string[]): Promise<Device | undefined> {
    return this.change(app, id, (a, device) => this.replaceInterests(a, device, interests));
  }

  async addInterest(app: AppId, id: DeviceId, interest: string): Promise<Device | undefined> {
    return this.change(app, id, (a, device) => this.replaceInterests(a, device, [...device.interests, interest]));
  }

  async removeInterest(app: AppId, id: DeviceId, interest: string): Promise<Device | undefined> {
    return this.change(app, id, (a, device) => this.replaceInterests(a, device, device.interests.filter((i) => i !== interest)));
  }

  async devicesByInterest(app: AppId, interest: string, page: PageOptions = {}): Promise<Page<Device>> {
    const a = this.apps.get(app);
    const ids = a?.byInterest.get(interest);
    if (a === undefined || ids === undefined) return { items: [] };
    return this.page(a, [...ids], page);
  }

  async associateUser(app: AppId, id: DeviceId, user: UserId | undefined): Promise<Device | undefined> {
    return this.change(app, id, (a, device) => this.setUser(a, device, user));
  }

  async devicesByUser(app: AppId, user: UserId): Promise<Device[]> {
    const a = this.apps.get(app);
    const ids = a?.byUser.get(user);
    if (a === undefined || ids === undefined) return [];
    return [...ids].sort().map((id) => structuredClone(a.devices.get(id)!));
  }

  async deleteUser(app: AppId, user: UserId): Promise<number> {
    const a = this.apps.get(app);
    const ids = a?.byUser.get(user);
    if (a === undefined || ids === undefined) return 0;
    const count = ids.size;
    for (const id of [...ids]) this.remove(a, id);
    return count;
  }

  async close(): Promise<void> {
    this.apps.clear();
  }

  private app(app: AppId): AppDevices {
    let a = this.apps.get(app);
    if (a === undefined) {
      a = { devices: new Map(), byAddress: new Map(), byInterest: new Map(), byUser: new Map() };
      this.apps.set(app, a);
    }
    return a;
  }

  private async change(app: AppId, id: DeviceId, apply: (a: AppDevices, device: Device) => void): Promise<Device | undefined> {
    const a = this.apps.get(app);
    const device = a?.devices.get(id);
    if (a === undefined || device === undefined) return undefined;
    apply(a, device);
    device.updated_at = this.now();
    return structuredClone(device);
  }

  private page(a: AppDevices, ids: DeviceId[], options: PageOptions): Page<Device> {
    const after = options.cursor === undefined ? undefined : Buffer.from(options.cursor, 'base64url').toString();
    const limit = pageLimit(options.limit);
    const sorted = ids.filter((id) => after === undefined || id > after).sort();
    const items = sorted.slice(0, limit).map((id) => structuredClone(a.devices.get(id)!));
    if (sorted.length <= limit) return { items };
    return { items, next_cursor: Buffer.from(items[items.length - 1]!.id).toString('base64url') };
  }

  private replaceInterests(a: AppDevices, device: Device, interests: readonly string[]): void {
    const next = [...new Set(interests)].sort();
    for (const old of device.interests) if (!next.includes(old)) removeFrom(a.byInterest, old, device.id);
    for (const interest of next) addTo(a.byInterest, interest, device.id);
    device.interests = next;
  }

  private setUser(a: AppDevices, device: Device, user: UserId | undefined): void {
    if (device.user_id !== undefined) removeFrom(a.byUser, device.user_id, device.id);
    if (user === undefined) delete device.user_id;
    else {
      device.user_id = user;
      addTo(a.byUser, user, device.id);
    }
  }

  private remove(a: AppDevices, id: DeviceId): void {
    const device = a.devices.get(id);
    if (device === undefined) return;
    this.replaceInterests(a, device, []);
    this.setUser(a, device, undefined);
    a.byAddress.delete(deviceAddressKey(device));
    a.devices.delete(id);
  }
}

function addTo<K>(index: Map<K, Set<DeviceId>>, key: K, id: DeviceId): void {
  let set = index.get(key);
  if (set === undefined) index.set(key, (set = new Set()));
  set.add(id);
}

// why: an interest or user whose last device goes is dropped, so memory returns to where it started.
function removeFrom<K>(index: Map<K, Set<DeviceId>>, key: K, id: DeviceId): void {
  const set = index.get(key);
  if (set === undefined) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}
