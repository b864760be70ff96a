import { PostgresDatabase, type PostgresDatabaseOptions } from '../db/database-postgres.js';
import type { Prisma } from '../db/generated/postgres/client.js';
import type { AppId, ChannelName } from '../ids.js';
import { finishPage, planRead, type ChannelMessage, type HistoryItem, type HistoryPage, type HistoryQuery, type HistoryStore, type RetentionRule } from './history-store.js';

/** Row is a `channel_history` row as this store selects it. */
interface Row {
  serial: bigint;
  stream_id: string;
  message_id: string;
  event: string;
  data: string;
  published_at_ms: bigint;
}

const COLUMNS = { serial: true, stream_id: true, message_id: true, event: true, data: true, published_at_ms: true } as const;

/**
 * PrismaHistoryStore keeps history in the project's PostgreSQL database (`channel_history`, see
 * shared/prisma/schema/history.prisma) through the generated Prisma client. The primary key (app, channel,
 * serial) makes appends idempotent (ON CONFLICT DO NOTHING) and serves every page read as an index range.
 * Failed calls reject with DependencyUnavailable('postgres').
 */
export class PrismaHistoryStore implements HistoryStore {
  private constructor(private readonly db: PostgresDatabase) {}

  /** open connects to a migrated database (PostgresDatabase.openMigrated); the store owns the connection from here on. */
  static async open(options: PostgresDatabaseOptions): Promise<PrismaHistoryStore> {
    return new PrismaHistoryStore(await PostgresDatabase.openMigrated(options));
  }

  /** ready says whether the database answers a query now (the readiness probe). */
  ready(): Promise<boolean> {
    return this.db.answers();
  }

  async append(messages: readonly ChannelMessage[]): Promise<number> {
    if (messages.length === 0) return 0;
    const data = messages.map((m) => ({
      app_id: m.app_id,
      channel: m.channel,
      serial: BigInt(m.serial),
      stream_id: m.stream_id,
      message_id: m.message_id,
      event: m.event,
      data: m.data,
      published_at_ms: BigInt(m.published_at_ms),
    }));
    const result = await this.call('storing history', () => this.db.client.channelMessage.createMany({ data, skipDuplicates: true }));
    if (result.count === data.length) return result.count;
    // why: rows were skipped; when they belong to another stream id, the channel's stream started over (serials from 1
    // again): its history of the old stream is replaced, as the memory store does, and the batch written again.
    const channels = new Map<string, { app_id: string; channel: string; stream_id: string; minSerial: bigint }>();
    for (const row of data) {
      const key = `${row.app_id}\u0000${row.channel}\u0000${row.stream_id}`;
      const seen = channels.get(key);
      if (seen === undefined || row.serial < seen.minSerial) channels.set(key, { app_id: row.app_id, channel: row.channel, stream_id: row.stream_id, minSerial: row.serial });
    }
    let reset = false;
    for (const c of channels.values()) {
      const clash = await this.call('checking history', () =>
        this.db.client.channelMessage.count({ where: { app_id: c.app_id, channel: c.channel, stream_id: { not: c.stream_id }, serial: { gte: c.minSerial } } }),
      );
      if (clash === 0) continue;
      reset = true;
      await this.call('resetting history', () => this.db.client.channelMessage.deleteMany({ where: { app_id: c.app_id, channel: c.channel, stream_id: { not: c.stream_id } } }));
    }
    if (!reset) return result.count;
    const again = await this.call('storing history', () => this.db.client.channelMessage.createMany({ data, skipDuplicates: true }));
    return result.count + again.count;
  }

  async read(app: AppId, channel: ChannelName, query?: HistoryQuery): Promise<HistoryPage> {
    const plan = planRead(query);
    const serial: Prisma.BigIntFilter = {};
    if (plan.minSerial !== undefined) serial.gte = BigInt(plan.minSerial);
    if (plan.maxSerial !== undefined) serial.lte = BigInt(plan.maxSerial);
    const time: Prisma.BigIntFilter = {};
    if (plan.minTime !== undefined) time.gte = BigInt(plan.minTime);
    if (plan.maxTime !== undefined) time.lte = BigInt(plan.maxTime);
    const rows = await this.call('reading history', () =>
      this.db.client.channelMessage.findMany({
        where: { app_id: app, channel, serial, published_at_ms: time },
        orderBy: { serial: plan.direction === 'newest_first' ? 'desc' : 'asc' },
        take: plan.limit + 1,
        select: COLUMNS,
      }),
    );
    return finishPage(plan, rows.map(itemFromRow));
  }

  async retain(rule: RetentionRule, nowMs: number): Promise<number> {
    const apps: Prisma.StringFilter = {};
    if (rule.apps !== undefined) apps.in = [...rule.apps];
    if (rule.exceptApps !== undefined && rule.exceptApps.length > 0) apps.notIn = [...rule.exceptApps];
    if (rule.apps?.length === 0) return 0;
    let dropped = 0;
    if (rule.maxAgeMs !== undefined) {
      const cutoff = BigInt(nowMs - rule.maxAgeMs);
      const result = await this.call('dropping old history', () => this.db.client.channelMessage.deleteMany({ where: { app_id: apps, published_at_ms: { lt: cutoff } } }));
      dropped += result.count;
    }
    if (rule.maxItemsPerChannel !== undefined) {
      // why: one statement ranks every channel's rows newest first through the primary key and drops those past
      // the cap; Prisma's query API has no window functions.
      const where: string[] = [];
      const params: unknown[] = [rule.maxItemsPerChannel];
      if (rule.apps !== undefined) where.push(`app_id = ANY($${params.push([...rule.apps])}::text[])`);
      if (rule.exceptApps !== undefined && rule.exceptApps.length > 0) where.push(`NOT (app_id = ANY($${params.push([...rule.exceptApps])}::text[]))`);
      const sql =
        `DELETE FROM channel_history h USING (SELECT app_id, channel, serial, row_number() OVER (PARTITION BY app_id, channel ORDER BY serial DESC) AS rank ` +
        `FROM channel_history${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}) r ` +
        `WHERE r.rank > $1 AND h.app_id = r.app_id AND h.channel = r.channel AND h.serial = r.serial`;
      dropped += await this.call('capping history', () => this.db.client.$executeRawUnsafe(sql, ...params));
    }
    return dropped;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  private async call<T>(doing: string, run: () => PromiseLike<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.db.unavailable(doing, err);
    }
  }
}

function itemFromRow(row: Row): HistoryItem {
  return { serial: Number(row.serial), stream_id: row.stream_id, message_id: row.message_id, event: row.event, data: row.data, published_at_ms: Number(row.published_at_ms) };
}
