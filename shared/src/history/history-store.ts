import type { AppId, ChannelName } from '../ids.js';

/** HistoryItem is one stored message as the history API answers it. */
export interface HistoryItem {
  /** serial is the message's position in its channel's stream (increasing, not necessarily by one). */
  serial: number;
  /** stream_id names the stream the serial belongs to (a stream created again starts over under a new id). */
  stream_id: string;
  message_id: string;
  event: string;
  /** data is the event's data exactly as published (a string; JSON stays encoded). */
  data: string;
  published_at_ms: number;
  /**
   * user_id is the sender of a client event on a presence channel, as its live frame carries it; absent on every
   * other event (the answer then has no such field).
   */
  user_id?: string;
}

/** ChannelMessage is a HistoryItem with the app and channel it was published on: what the history service stores. */
export interface ChannelMessage extends HistoryItem {
  app_id: AppId;
  channel: ChannelName;
}

/** HistoryDirection orders a history page: newest first (the default) or oldest first. */
export type HistoryDirection = 'newest_first' | 'oldest_first';

/** HistoryQuery asks for one page of a channel's history. Bounds are inclusive; absent ones do not narrow. */
export interface HistoryQuery {
  /** limit caps the page; default DEFAULT_HISTORY_LIMIT, at most MAX_HISTORY_LIMIT. */
  limit?: number;
  direction?: HistoryDirection;
  /** cursor is the `next_cursor` of the previous page (same direction and bounds); opaque to callers. */
  cursor?: string;
  /**
   * stream_id reads the events of that stream of the channel; absent: the channel's newest stream (the one its most
   * recently published event belongs to). Serials start over when a channel's stream is created again, so a page
   * never mixes streams; a walk stays on the stream of its first page.
   */
  stream_id?: string;
  start_serial?: number;
  end_serial?: number;
  start_time_ms?: number;
  end_time_ms?: number;
}

/** HistoryPage is one page of a channel's history, in the answer shape of `GET .../history`. */
export interface HistoryPage {
  items: HistoryItem[];
  direction: HistoryDirection;
  limit: number;
  has_more: boolean;
  /** next_cursor reads the next page; null on the last one. */
  next_cursor: string | null;
}

/**
 * RetentionRule says what to drop: messages published more than `maxAgeMs` before now, and in each channel all
 * but the newest `maxItemsPerChannel`. `apps` limits the rule to those apps, `exceptApps` leaves those out
 * (the server-wide rule skips the apps that have their own).
 */
export interface RetentionRule {
  maxAgeMs?: number;
  maxItemsPerChannel?: number;
  apps?: readonly AppId[];
  exceptApps?: readonly AppId[];
}

/**
 * HistoryStore keeps channel messages durably. `append` is idempotent: a message whose (app, channel, stream id,
 * serial) is already stored is skipped, so a batch written again after a crash stores nothing twice. Pages walk
 * one stream of a channel by serial with a cursor, so messages appended or dropped meanwhile never make a walk
 * repeat or skip one that stays. A channel whose stream was created again keeps the old stream's events (until
 * retention drops them), readable with its `stream_id`. Implementations: MemoryHistoryStore (the embedded server), PrismaHistoryStore (PostgreSQL).
 * Calls that cannot reach the store reject with DependencyUnavailable.
 */
export interface HistoryStore {
  /** append stores the messages not stored yet and resolves with how many it stored. */
  append(messages: readonly ChannelMessage[]): Promise<number>;
  /** read returns one page of a channel's history; it rejects with HistoryQueryError on a bad query or cursor. */
  read(app: AppId, channel: ChannelName, query?: HistoryQuery): Promise<HistoryPage>;
  /** retain drops what the rule says must go and resolves with how many messages it dropped. */
  retain(rule: RetentionRule, nowMs: number): Promise<number>;
  close(): Promise<void>;
}

/** HistoryReader is the part of a HistoryStore the history API needs (a store, or the history service over gRPC). */
export type HistoryReader = Pick<HistoryStore, 'read'>;

/** DEFAULT_HISTORY_LIMIT is a page's size when the query names none. */
export const DEFAULT_HISTORY_LIMIT = 100;
/** MAX_HISTORY_LIMIT is the largest page a query may ask for. */
export const MAX_HISTORY_LIMIT = 1000;

/** HistoryQueryError is a query the store refuses (bad limit, direction or cursor): the caller's mistake. */
export class HistoryQueryError extends Error {
  override readonly name = 'HistoryQueryError';
}

/** PlannedRead is a checked query: the page size, the order, and the serial and time bounds (inclusive). */
export interface PlannedRead {
  limit: number;
  direction: HistoryDirection;
  minSerial?: number;
  maxSerial?: number;
  minTime?: number;
  maxTime?: number;
  /** streamId is the stream read; undefined: the channel's newest. */
  streamId?: string;
}

/** HISTORY_BOUNDS are a query's inclusive serial and time bounds. */
export const HISTORY_BOUNDS = ['start_serial', 'end_serial', 'start_time_ms', 'end_time_ms'] as const;

/**
 * historyQueryOf reads a history query from a request's fields, as the HTTP API (strings) and the socket read
 * (JSON values) carry them: numbers as numbers or decimal digits, empty strings as absent. It checks the query as
 * the store would (planRead), so a refusal names the field at the edge; it throws HistoryQueryError.
 */
export function historyQueryOf(field: (name: keyof HistoryQuery) => unknown): HistoryQuery {
  const query: HistoryQuery = {};
  const text = (name: 'direction' | 'cursor' | 'stream_id'): string | undefined => {
    const value = field(name);
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw new HistoryQueryError(`${name} must be a string`);
    return value;
  };
  const number = (name: 'limit' | (typeof HISTORY_BOUNDS)[number]): number | undefined => {
    const value = field(name);
    if (value === undefined || value === '') return undefined;
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && /^\d{1,16}$/.test(value)) return Number(value);
    throw new HistoryQueryError(`${name} must be a non-negative integer`);
  };
  const limit = number('limit');
  if (limit !== undefined) query.limit = limit;
  const direction = text('direction');
  if (direction !== undefined) query.direction = direction as HistoryDirection;
  const cursor = text('cursor');
  if (cursor !== undefined) query.cursor = cursor;
  const streamId = text('stream_id');
  if (streamId !== undefined) query.stream_id = streamId;
  for (const key of HISTORY_BOUNDS) {
    const value = number(key);
    if (value !== undefined) query[key] = value;
  }
  planRead(query);
  return query;
}

/**
 * planRead checks a query and folds its cursor into the serial bounds: a newest-first walk continues below the
 * last serial it returned, an oldest-first one above it. It throws HistoryQueryError on anything invalid.
 */
export function planRead(query: HistoryQuery = {}): PlannedRead {
  const limit = query.limit ?? DEFAULT_HISTORY_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT) throw new HistoryQueryError(`limit must be an integer from 1 to ${MAX_HISTORY_LIMIT}`);
  const direction = query.direction ?? 'newest_first';
  if (direction !== 'newest_first' && direction !== 'oldest_first') throw new HistoryQueryError('direction must be newest_first or oldest_first');
  for (const key of HISTORY_BOUNDS) {
    const value = query[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw new HistoryQueryError(`${key} must be a non-negative integer`);
  }
  const plan: PlannedRead = { limit, direction };
  if (query.start_serial !== undefined) plan.minSerial = query.start_serial;
  if (query.end_serial !== undefined) plan.maxSerial = query.end_serial;
  if (query.start_time_ms !== undefined) plan.minTime = query.start_time_ms;
  if (query.end_time_ms !== undefined) plan.maxTime = query.end_time_ms;
  if (query.stream_id !== undefined) {
    if (typeof query.stream_id !== 'string' || query.stream_id === '' || query.stream_id.length > 255) throw new HistoryQueryError('stream_id must be a stream id of 1 to 255 characters');
    plan.streamId = query.stream_id;
  }
  if (query.cursor !== undefined) {
    const { serial: after, streamId } = decodeCursor(query.cursor, direction);
    if (direction === 'newest_first') plan.maxSerial = Math.min(plan.maxSerial ?? Infinity, after - 1);
    else plan.minSerial = Math.max(plan.minSerial ?? 0, after + 1);
    if (streamId !== undefined) {
      if (plan.streamId !== undefined && plan.streamId !== streamId) throw new HistoryQueryError('cursor belongs to a walk of another stream_id');
      plan.streamId = streamId;
    }
  }
  return plan;
}

/** finishPage builds the answer from up to `limit + 1` items read in the page's order. */
export function finishPage(plan: PlannedRead, read: HistoryItem[]): HistoryPage {
  const has_more = read.length > plan.limit;
  const items = has_more ? read.slice(0, plan.limit) : read;
  const last = items[items.length - 1];
  const next_cursor = has_more && last !== undefined ? encodeCursor(plan.direction, last.serial, last.stream_id) : null;
  return { items, direction: plan.direction, limit: plan.limit, has_more, next_cursor };
}

// why: the cursor carries its direction so that a cursor of one walk handed to the other is refused, not misread,
// and its stream so that the walk stays on one stream when the channel's stream is created again meanwhile.
function encodeCursor(direction: HistoryDirection, serial: number, streamId: string): string {
  return Buffer.from(`${direction === 'newest_first' ? 'n' : 'o'}:${serial}:${streamId}`).toString('base64url');
}

function decodeCursor(cursor: string, direction: HistoryDirection): { serial: number; streamId?: string } {
  const match = /^([no]):(\d{1,16})(?::([^\n]{1,255}))?$/.exec(Buffer.from(cursor, 'base64url').toString());
  const serial = match === null ? NaN : Number(match[2]);
  if (match === null || !Number.isSafeInteger(serial)) throw new HistoryQueryError('cursor is not one this server issued');
  if ((match[1] === 'n') !== (direction === 'newest_first')) throw new HistoryQueryError('cursor belongs to a walk in the other direction');
  return match[3] === undefined ? { serial } : { serial, streamId: match[3] };
}

/** appliesTo says whether a retention rule covers an app. */
export function appliesTo(rule: RetentionRule, app: AppId): boolean {
  if (rule.apps !== undefined && !rule.apps.includes(app)) return false;
  return !(rule.exceptApps?.includes(app) ?? false);
}
