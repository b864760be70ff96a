import { randomUUID } from 'node:crypto';
import { PostgresDatabase, type PostgresDatabaseOptions } from '../db/database-postgres.js';
import type { Prisma } from '../db/generated/postgres/client.js';
import { asDeviceId, asUserId, type AppId, type DeviceId, type UserId } from '../ids.js';
import type { Device, DeviceRegistration, DeviceUpdate, WebPushSubscription } from './device.js';
import { pageLimit, type DeviceFilter, type DeviceStore, type Page, type PageOptions } from './device-store.js';

/** DeviceRow is a `push_devices` row with its interests, as this store selects it. */
interface DeviceRow {
  app_id: string;
  id: string;
  platform: 'apns' | 'fcm' | 'web';
  token: string;
  web_subscription: Prisma.JsonValue;
  metadata: Prisma.JsonValue;
  user_id: string | null;
  created_at: Date;
  updated_at: Date;
  interests: { interest: string }[];
}

const WITH_INTERESTS = { interests: { select: { interest: true }, orderBy: { interest: 'asc' } } } as const;

/**
 * PrismaDeviceStore keeps push devices in the project's PostgreSQL database (`push_devices` and
 * `push_device_interests`, see shared/prisma/schema/push.prisma) through the generated Prisma client. An APNs or
 * FCM device's `token` column is its token; a Web Push device's is its endpoint, with the whole subscription in
 * `web_subscription`, so (app, platform, token) is the address key the memory store also uses. Listings page
 * by device id with `id > cursor`, so devices that come or go during a listing never make it repeat or skip.
 * Failed calls reject with DependencyUnavailable('postgres').
 */
export class PrismaDeviceStore implements DeviceStore {
  private constructor(private readonly db: PostgresDatabase) {}

  /** open connects to a migrated database (PostgresDatabase.openMigrated); the store owns the connection from here on. */
  static async open(options: PostgresDatabaseOptions): Promise<PrismaDeviceStore> {
    return new PrismaDeviceStore(await PostgresDatabase.openMigrated(options));
  }

  /** ready says whether the database answers a query now (the readiness probe). */
  ready(): Promise<boolean> {
    return this.db.answers();
  }

  async register(app: AppId, registration: DeviceRegistration): Promise<Device> {
    const token = registration.platform === 'web' ? registration.subscription.endpoint : registration.token;
    const subscription = registration.platform === 'web' ? (registration.subscription as unknown as Prisma.InputJsonValue) : undefined;
    const now = new Date();
    const key = { app_id_platform_token: { app_id: app, platform: registration.platform, token } };
    const user = registration.user_id !== undefined ? { user_id: registration.user_id } : {};
    // why: an upsert on the address key, so two registrations of one token racing each other make one device.
    const upsert = {
      where: key,
      create: {
        app_id: app,
        id: `${registration.platform}-${randomUUID()}`,
        platform: registration.platform,
        token,
        ...(subscription !== undefined ? { web_subscription: subscription } : {}),
        metadata: (registration.metadata ?? {}) as Prisma.InputJsonValue,
        ...user,
        created_at: now,
        updated_at: now,
      },
      update: {
        updated_at: now,
        // why: a browser that subscribes again at the same endpoint may hold new keys; the old ones no longer decrypt.
        ...(subscription !== undefined ? { web_subscription: subscription } : {}),
        ...(registration.metadata !== undefined ? { metadata: registration.metadata as Prisma.InputJsonValue } : {}),
        ...user,
      },
    };
    const interests = registration.interests;
    const attempt = (): Promise<DeviceRow> =>
      // why: a registration without interests is one statement (what the Beams SDKs send); with them, one transaction.
      interests === undefined
        ? this.client.pushDevice.upsert({ ...upsert, include: WITH_INTERESTS })
        : this.client.$transaction(async (tx) => {
            const device = await tx.pushDevice.upsert({ ...upsert, select: { id: true } });
            await replaceInterests(tx, app, device.id, interests);
            return tx.pushDevice.findUniqueOrThrow({ where: { app_id_id: { app_id: app, id: device.id } }, include: WITH_INTERESTS });
          });
    const row = await this.call('registering a device', async () => {
      try {
        return await attempt();
      } catch (err) {
        // why: when Prisma cannot upsert natively, a registration racing another of the same address loses the
        // insert (P2002, unique violation); once more then finds the winner's row and updates it.
        if ((err as { code?: unknown }).code !== 'P2002') throw err;
        return attempt();
      }
    });
    return deviceFromRow(row);
  }

  async update(app: AppId, id: DeviceId, update: DeviceUpdate): Promise<Device | undefined> {
    const row = await this.call('updating a device', () =>
      this.client.$transaction(async (tx) => {
        const device = await tx.pushDevice.findUnique({ where: { app_id_id: { app_id: app, id } }, select: { platform: true, token: true } });
        if (device === null) return null;
        const data: Prisma.PushDeviceUpdateInput = { updated_at: new Date() };
        let token: string | undefined;
        if (device.platform === 'web' && update.subscription !== undefined) {
          token = update.subscription.endpoint;
          data.web_subscription = update.subscription as unknown as Prisma.InputJsonValue;
        }
        if (device.platform !== 'web' && update.token !== undefined) token = update.token;
        if (token !== undefined && token !== device.token) {
          // why: the address moved to this device; a stale registration still holding it would receive twice.
          await tx.pushDevice.deleteMany({ where: { app_id: app, platform: device.platform, token, NOT: { id } } });
          data.token = token;
        }
        if (update.metadata !== undefined) data.metadata = update.metadata as Prisma.InputJsonValue;
        return tx.pushDevice.update({ where: { app_id_id: { app_id: app, id } }, data, include: WITH_INTERESTS });
      }),
    );
    return row === null ? undefined : deviceFromRow(row);
  }

  async get(app: AppId, id: DeviceId): Promise<Device | undefined> {
    const row = await this.call('reading a device', () => this.client.pushDevice.findUnique({ where: { app_id_id: { app_id: app, id } }, include: WITH_INTERESTS }));
    return row === null ? undefined : deviceFromRow(row);
  }

  async getMany(app: AppId, ids: readonly DeviceId[]): Promise<Device[]> {
    if (ids.length === 0) return [];
    const rows = await this.call('reading devices', () => this.client.pushDevice.findMany({ where: { app_id: app, id: { in: [...new Set(ids)] } }, include: WITH_INTERESTS }));
    return rows.map(deviceFromRow);
  }

  async list(app: AppId, filter: DeviceFilter = {}): Promise<Page<Device>> {
    const where: Prisma.PushDeviceWhereInput = {
      app_id: app,
      ...(filter.user_id !== undefined ? { user_id: filter.user_id } : {}),
      ...(filter.platform !== undefined ? { platform: filter.platform } : {}),
    };
    return this.page('listing devices', where, filter);
  }

  async delete(app: AppId, id: DeviceId): Promise<boolean> {
    // why: the interests go with the device (ON DELETE CASCADE).
    const result = await this.call('deleting a device', () => this.client.pushDevice.deleteMany({ where: { app_id: app, id } }));
    return result.count > 0;
  }

  async setInterests(app: AppId, id: DeviceId, interests: readonly string[]): Promise<Device | undefined> {
    return this.change('setting interests', app, id, (tx) => replaceInterests(tx, app, id, interests));
  }

  async addInterest(app: AppId, id: DeviceId, interest: string): Promise<Device | undefined> {
    return this.change('adding an interest', app, id, async (tx) => {
      await tx.pushInterest.createMany({ data: [{ app_id: app, device_id: id, interest }], skipDuplicates: true });
    });
  }

  async removeInterest(app: AppId, id: DeviceId, interest: string): Promise<Device | undefined> {
    return this.change('removing an interest', app, id, async (tx) => {
      await tx.pushInterest.deleteMany({ where: { app_id: app, device_id: id, interest } });
    });
  }

  async devicesByInterest(app: AppId, interest: string, page: PageOptions = {}): Promise<Page<Device>> {
    return this.page('listing an interest', { app_id: app, interests: { some: { interest } } }, page);
  }

  async associateUser(app: AppId, id: DeviceId, user: UserId | undefined): Promise<Device | undefined> {
    return this.change('associating a user', app, id, async () => undefined, { user_id: user ?? null });
  }

  async devicesByUser(app: AppId, user: UserId): Promise<Device[]> {
    const rows = await this.call('listing a user', () => this.client.pushDevice.findMany({ where: { app_id: app, user_id: user }, orderBy: { id: 'asc' }, include: WITH_INTERESTS }));
    return rows.map(deviceFromRow);
  }

  async deleteUser(app: AppId, user: UserId): Promise<number> {
    const result = await this.call('deleting a user', () => this.client.pushDevice.deleteMany({ where: { app_id: app, user_id: user } }));
    return result.count;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  private get client(): PostgresDatabase['client'] {
    return this.db.client;
  }

  /** change runs `apply` and touches the device (plus `data`) in one transaction; undefined when there is no such device. */
  private async change(doing: string, app: AppId, id: DeviceId, apply: (tx: Prisma.TransactionClient) => Promise<void>, data: Prisma.PushDeviceUpdateManyMutationInput = {}): Promise<Device | undefined> {
    const row = await this.call(doing, () =>
      this.client.$transaction(async (tx) => {
        // why: touching the row first locks it, so a concurrent delete cannot leave interests of a gone device.
        const touched = await tx.pushDevice.updateMany({ where: { app_id: app, id }, data: { ...data, updated_at: new Date() } });
        if (touched.count === 0) return null;
        await apply(tx);
        return tx.pushDevice.findUniqueOrThrow({ where: { app_id_id: { app_id: app, id } }, include: WITH_INTERESTS });
      }),
    );
    return row === null ? undefined : deviceFromRow(row);
  }

  private async page(doing: string, where: Prisma.PushDeviceWhereInput, options: PageOptions): Promise<Page<Device>> {
    const limit = pageLimit(options.limit);
    const after = options.cursor === undefined ? undefined : Buffer.from(options.cursor, 'base64url').toString();
    const rows = await this.call(doing, () =>
      this.client.pushDevice.findMany({
        where: after === undefined ? where : { AND: [where, { id: { gt: after } }] },
        orderBy: { id: 'asc' },
        take: limit + 1,
        include: WITH_INTERESTS,
      }),
    );
    const items = rows.slice(0, limit).map(deviceFromRow);
    if (rows.length <= limit) return { items };
    return { items, next_cursor: Buffer.from(items[items.length - 1]!.id).toString('base64url') };
  }

  private async call<T>(doing: string, run: () => PromiseLike<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.db.unavailable(doing, err);
    }
  }
}

/** replaceInterests makes a device's interest rows exactly `interests` (duplicates dropped). */
async function replaceInterests(tx: Prisma.TransactionClient, app: string, id: string, interests: readonly string[]): Promise<void> {
  const next = [...new Set(interests)];
  await tx.pushInterest.deleteMany({ where: { app_id: app, device_id: id, ...(next.length > 0 ? { interest: { notIn: next } } : {}) } });
  if (next.length > 0) await tx.pushInterest.createMany({ data: next.map((interest) => ({ app_id: app, device_id: id, interest })), skipDuplicates: true });
}

function deviceFromRow(row: DeviceRow): Device {
  const common = {
    id: asDeviceId(row.id),
    app_id: row.app_id as AppId,
    ...(row.user_id !== null ? { user_id: asUserId(row.user_id) } : {}),
    interests: row.interests.map((i) => i.interest).sort(),
    metadata: (row.metadata ?? {}) as Record<string, unknown>,
    created_at: row.created_at.getTime(),
    updated_at: row.updated_at.getTime(),
  };
  if (row.platform === 'web') return { platform: 'web', subscription: row.web_subscription as unknown as WebPushSubscription, ...common };
  return { platform: row.platform, token: row.token, ...common };
}
