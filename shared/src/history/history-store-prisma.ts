import { PostgresDatabase, type PostgresDatabaseOptions } from '../db/database-postgres.js';
import type { Prisma } from '../db/generated/postgres/client.js';
import type { AppId, ChannelName } from '../ids.js';
import { finishPage, planRead, type ChannelMessage, type HistoryItem, type HistoryPage, type HistoryQuery, type HistoryStore, type RetentionRule } from './history-store.js';

/** Row is a `channel_history` row as this store selects it (bigint columns may come back as bigint or string). */
interface Row {
  serial: bigint | string | number;
  stream_id: string;
  message_id: string;
  event: string;
  data: string;
  published_at_ms: bigint | string | number;
  user_id: string | null;
}

/** INSERT stores a batch given as nine arrays, one per column; rows stored already are skipped. */
const INSERT =
  'INSERT INTO channel_history (app_id, channel, serial, stream_id, message_id, event, data, published_at_ms, user_id) ' +
  'SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[]) ' +
  'ON CONFLICT DO NOTHING';

/**
 * PrismaHistoryStore keeps history in the project's PostgreSQL database (`channel_history`, see
 * shared/prisma/schema/history.prisma) through the generated Prisma client. The primary key (app, channel,
 * stream id, serial) makes appends idempotent (ON CONFLICT DO NOTHING) and serves every page read as an index
 * range. Failed calls reject with DependencyUnavailable('postgres').
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
    // why: one INSERT of nine arrays (unnest) instead of Prisma's createMany: createMany compiles a statement with nine
    // parameters per row on every call, and the history service spent ~190 ms of CPU per 1,000 events stored, mostly
    // there (npm run bench, scenario history); with this statement it spends ~30.
    const columns: [string[], string[], string[], string[], string[], string[], string[], string[], (string | null)[]] = [[], [], [], [], [], [], [], [], []];
    for (const m of messages) {
      columns[0].push(m.app_id);
      columns[1].push(m.channel);
      columns[2].push(String(m.serial));
      columns[3].push(m.stream_id);
      columns[4].push(m.message_id);
      columns[5].push(m.event);
      columns[6].push(m.data);
      columns[7].push(String(m.published_at_ms));
      columns[8].push(m.user_id ?? null);
    }
    return this.call('storing history', () => this.db.client.$executeRawUnsafe(INSERT, ...columns));
  }

  async read(app: AppId, channel: ChannelName, query?: HistoryQuery): Promise<HistoryPage> {
    const plan = planRead(query);
    const params: unknown[] = [app, channel];
    const where = ['app_id = $1', 'channel = $2'];
    // why: serials start over when the channel's stream is created again; a page stays within one stream, the one
    // asked for (or the cursor's) or else the channel's newest (the stream of its most recently published event).
    if (plan.streamId !== undefined) where.push(`stream_id = $${params.push(plan.streamId)}`);
    else where.push('stream_id = (SELECT stream_id FROM channel_history WHERE app_id = $1 AND channel = $2 ORDER BY published_at_ms DESC LIMIT 1)');
    if (plan.minSerial !== undefined) where.push(`serial >= $${params.push(plan.minSerial)}::bigint`);
    if (plan.maxSerial !== undefined) where.push(`serial <= $${params.push(plan.maxSerial)}::bigint`);
    if (plan.minTime !== undefined) where.push(`published_at_ms >= $${params.push(plan.minTime)}::bigint`);
    if (plan.maxTime !== undefined) where.push(`published_at_ms <= $${params.push(plan.maxTime)}::bigint`);
    const sql =
      `SELECT serial, stream_id, message_id, event, data, published_at_ms, user_id FROM channel_history WHERE ${where.join(' AND ')} ` +
      `ORDER BY serial ${plan.direction === 'newest_first' ? 'DESC' : 'ASC'} LIMIT $${params.push(plan.limit + 1)}`;
    const rows = await this.call('reading history', () => this.db.client.$queryRawUnsafe<Row[]>(sql, ...params));
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
      // why: one statement ranks every channel's rows newest first (across the streams it had) and drops those past
      // the cap; Prisma's query API has no window functions.
      const where: string[] = [];
      const params: unknown[] = [rule.maxItemsPerChannel];
      if (rule.apps !== undefined) where.push(`app_id = ANY($${params.push([...rule.apps])}::text[])`);
      if (rule.exceptApps !== undefined && rule.exceptApps.length > 0) where.push(`NOT (app_id = ANY($${params.push([...rule.exceptApps])}::text[]))`);
      const sql =
        `DELETE FROM channel_history h USING (SELECT app_id, channel, stream_id, serial, ` +
        `row_number() OVER (PARTITION BY app_id, channel ORDER BY published_at_ms DESC, serial DESC) AS rank ` +
        `FROM channel_history${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}) r ` +
        `WHERE r.rank > $1 AND h.app_id = r.app_id AND h.channel = r.channel AND h.stream_id = r.stream_id AND h.serial = r.serial`;
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
  // why: raw queries hand bigint columns back as the driver reads them; every serial and time fits a double.
  const item: HistoryItem = { serial: Number(row.serial), stream_id: row.stream_id, message_id: row.message_id, event: row.event, data: row.data, published_at_ms: Number(row.published_at_ms) };
  if (row.user_id !== null) item.user_id = row.user_id;
  return item;
}
