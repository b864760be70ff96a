import { DependencyUnavailable } from '../errors/dependency-unavailable.js';
import type { AppId, ChannelName } from '../ids.js';
import { encodeEvent } from '../protocol/frames.js';
import type { LoggedMessage, ReadAfter, RecoveryReader, ResumeFailure, Rewind, RewindRead, StreamPosition } from '../recovery/recovery-log.js';
import type { HistoryItem, HistoryReader } from './history-store.js';

/** MAX_COLD_READ is the most events a resume takes from history; a client further behind gets position_expired. */
export const MAX_COLD_READ = 10_000;

/** MAX_REWIND_FROM_HISTORY is the most events a rewind by time takes from history (one page). */
const MAX_REWIND_FROM_HISTORY = 1000;

/**
 * ColdRecoveryReader answers resume and rewind from the hot buffer and, when that does not reach back far
 * enough, from durable history. A resume from history needs the client's position itself in history with the
 * same stream id (else it cannot be proven that nothing is missing: `continuity_unverifiable`); the events
 * after it come from history, then the hot buffer continues from the last one history had (history is written
 * a little behind the live stream). History that cannot be read gives `persistence_unavailable`.
 */
export class ColdRecoveryReader implements RecoveryReader {
  constructor(
    private readonly hot: RecoveryReader,
    private readonly history: HistoryReader,
    private readonly now: () => number = Date.now,
  ) {}

  async readAfter(appId: AppId, channel: ChannelName, position: StreamPosition): Promise<ReadAfter> {
    const hot = await this.hot.readAfter(appId, channel, position);
    if (hot.ok || hot.code !== 'position_expired' || position.streamId === undefined || position.serial < 1) return hot;
    let items: HistoryItem[];
    try {
      items = await this.readFrom(appId, channel, position.serial, position.streamId);
    } catch (err) {
      if (err instanceof DependencyUnavailable) return fail(hot, 'persistence_unavailable', 'history_unavailable');
      throw err;
    }
    const first = items[0];
    if (first === undefined || first.serial !== position.serial) return items.length > MAX_COLD_READ ? fail(hot, 'position_expired', 'too_far_behind') : hot;
    if (items.length > MAX_COLD_READ + 1) return fail(hot, 'position_expired', 'too_far_behind');
    if (items.some((i) => i.stream_id !== position.streamId)) return fail(hot, 'stream_reset', 'stream_id_mismatch');
    const last = items[items.length - 1]!;
    const rest = await this.hot.readAfter(appId, channel, { serial: last.serial, streamId: position.streamId });
    // why: the hot buffer must continue exactly where history stops, or events between the two are unproven.
    if (!rest.ok) return fail(hot, rest.code === 'position_expired' ? 'continuity_unverifiable' : rest.code, `history_then_buffer_${rest.reason}`);
    return { ok: true, streamId: position.streamId, messages: [...items.slice(1).map((i) => logged(channel, i)), ...rest.messages], source: 'history' };
  }

  async rewind(appId: AppId, channel: ChannelName, ask: Rewind): Promise<RewindRead> {
    const hot = await this.hot.rewind(appId, channel, ask);
    if (!hot.truncated) return hot;
    const oldest = hot.messages[0]?.serial;
    const count = 'count' in ask ? ask.count : MAX_REWIND_FROM_HISTORY;
    const since = 'seconds' in ask ? { start_time_ms: Math.max(0, Math.floor(this.now() - ask.seconds * 1000)) } : {};
    try {
      const stream = hot.streamId === undefined ? {} : { stream_id: hot.streamId };
      const page = await this.history.read(appId, channel, { direction: 'newest_first', limit: Math.min(count, 1000), ...stream, ...since, ...(oldest !== undefined ? { end_serial: oldest - 1 } : {}) });
      const older = page.items
        .filter((i) => hot.streamId === undefined || i.stream_id === hot.streamId)
        .reverse()
        .map((i) => logged(channel, i));
      const messages = [...older, ...hot.messages].slice(-count);
      return { ...hot, messages, truncated: page.has_more };
    } catch (err) {
      if (err instanceof DependencyUnavailable) return hot;
      throw err;
    }
  }

  /** readFrom reads a channel's history of one stream from `serial` on, oldest first, up to MAX_COLD_READ + 1 events. */
  private async readFrom(appId: AppId, channel: ChannelName, serial: number, streamId: string): Promise<HistoryItem[]> {
    const out: HistoryItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.history.read(appId, channel, { direction: 'oldest_first', stream_id: streamId, start_serial: serial, limit: 1000, ...(cursor !== undefined ? { cursor } : {}) });
      out.push(...page.items);
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined && out.length <= MAX_COLD_READ);
    return out;
  }
}

function logged(channel: ChannelName, item: HistoryItem): LoggedMessage {
  return { serial: item.serial, messageId: item.message_id, frame: encodeEvent(item.event, channel, item.data, item.user_id), at: item.published_at_ms };
}

function fail(base: ResumeFailure, code: ResumeFailure['code'], reason: string): ResumeFailure {
  return { ...base, code, reason };
}
