import type { AppId, DeviceId, UserId } from '../ids.js';
import type { Device, DeviceRegistration, DeviceUpdate, Platform } from './device.js';

/** PageOptions ask for one page of a listing: after `cursor` (absent: from the start), at most `limit` items. */
export interface PageOptions {
  /** cursor is the `next_cursor` of the previous page; opaque to callers. */
  cursor?: string;
  /** limit caps the page size. Default 100; at most MAX_PAGE_SIZE. */
  limit?: number;
}

/** Page is one page of a listing; `next_cursor` is absent on the last page. */
export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

/** DeviceFilter narrows a device listing to one user and/or platform. */
export interface DeviceFilter extends PageOptions {
  user_id?: UserId;
  platform?: Platform;
}

/** DEFAULT_PAGE_SIZE is the page size when a caller gives none. */
export const DEFAULT_PAGE_SIZE = 100;
/** MAX_PAGE_SIZE is the largest page a store returns, whatever the caller asks. */
export const MAX_PAGE_SIZE = 1000;

/**
 * DeviceRegistry keeps an app's devices. Listings are ordered by device id and paged with a cursor, so a
 * device registered or deleted during a listing never makes the listing repeat or skip another device.
 */
export interface DeviceRegistry {
  /**
   * register adds a device, or updates the device already registered at the same address (same token or
   * Web Push endpoint): its id, interests and user are kept unless the registration names new ones.
   */
  register(app: AppId, registration: DeviceRegistration): Promise<Device>;
  /** update changes a device's address (same platform) or metadata; undefined when there is no such device. */
  update(app: AppId, id: DeviceId, update: DeviceUpdate): Promise<Device | undefined>;
  get(app: AppId, id: DeviceId): Promise<Device | undefined>;
  /** getMany returns the devices that exist among `ids`, in no particular order. */
  getMany(app: AppId, ids: readonly DeviceId[]): Promise<Device[]>;
  list(app: AppId, filter?: DeviceFilter): Promise<Page<Device>>;
  /** delete removes a device with its interests; false when there was none. */
  delete(app: AppId, id: DeviceId): Promise<boolean>;
}

/** InterestIndex keeps which devices want which interests. Each call returns the device as it now is. */
export interface InterestIndex {
  /** setInterests replaces a device's interests; undefined when there is no such device. */
  setInterests(app: AppId, id: DeviceId, interests: readonly string[]): Promise<Device | undefined>;
  addInterest(app: AppId, id: DeviceId, interest: string): Promise<Device | undefined>;
  removeInterest(app: AppId, id: DeviceId, interest: string): Promise<Device | undefined>;
  /** devicesByInterest pages through the devices subscribed to one interest, by device id. */
  devicesByInterest(app: AppId, interest: string, page?: PageOptions): Promise<Page<Device>>;
}

/** UserIndex ties devices to the users signed in on them (Pusher Beams' authenticated users). */
export interface UserIndex {
  /** associateUser sets (or with undefined clears) a device's user; undefined when there is no such device. */
  associateUser(app: AppId, id: DeviceId, user: UserId | undefined): Promise<Device | undefined>;
  /** devicesByUser lists every device of one user (Beams allows 100 per user). */
  devicesByUser(app: AppId, user: UserId): Promise<Device[]>;
  /** deleteUser removes every device of a user; it returns how many there were. */
  deleteUser(app: AppId, user: UserId): Promise<number>;
}

/** DeviceStore is the push device registry: devices, their interests, their users, per app. */
export interface DeviceStore extends DeviceRegistry, InterestIndex, UserIndex {
  close(): Promise<void>;
}

/** pageLimit is a caller's page size clamped to 1..MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE when absent. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_PAGE_SIZE;
  return Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(limit)));
}
