import { randomBytes } from 'node:crypto';
import type { RecoveryConfig } from '../config/config.js';
import type { AppId, ChannelName, SocketId } from '../ids.js';
import type { Appended, LoggedMessage, ReadAfter, RecoveryPolicy, RecoveryReader, Rewind, RewindRead, Sequencer, StreamPosition } from './recovery-log.js';

/** ChannelStream is one channel's stream: its id, its last serial and the events still kept, oldest first. */
interface ChannelStream {
  readonly streamId: string;
  lastSerial: number;
  /** entries from `head` on are kept; why: dropping the oldest is an index move, compacted now and then. */
  entries: LoggedMessage[];
  head: number;
  bytes: number;
  lastAppend: number;
}

/** MemoryRecoveryLogSizes counts what the log holds (leak checks). */
export interface MemoryRecoveryLogSizes {
  channels: number;
  messages: number;
  bytes: number;
}

/**
 * MemoryRecoveryLog assigns per-channel serials and keeps each channel's recent events in memory, bounded by
 * count, bytes and age per the app's policy. A channel's stream id is drawn at its first event; a channel
 * whose events all expired is forgotten, and its next event starts a new stream (serial 1, a new stream id),
 * so a client holding the old stream id learns `stream_reset` instead of silently missing events.
 * Appending is synchronous: serials are handed out in the order events are published in this process.
 */
export class MemoryRecoveryLog implements RecoveryReader, Sequencer {
  private readonly streams = new Map<string, ChannelStream>();
  private readonly sweeper: NodeJS.Timeout;
  private bytes = 0;

  /**
   * @param sweepMs is how often channels whose events all expired are forgotten. Default 10 s.
   */
  /**
   * @param maxTotalBytes bounds the frame bytes kept over all channels; past it, the channels appended to least
   *   recently are forgotten whole (their clients then resume with `position_expired`). Default 256 MiB.
   */
  constructor(
    private readonly policy: RecoveryPolicy,
    sweepMs = 10_000,
    private readonly now: () => number = Date.now,
    private readonly maxTotalBytes = 256 * 1024 * 1024,
  ) {
    this.sweeper = setInterval(() => this.sweep(), sweepMs);
    this.sweeper.unref();
  }

  /** enabled tells whether an app's events get serials. */
  enabled(appId: AppId): boolean {
    return this.policy(appId).enabled;
  }

  /** append gives an event the channel's next serial and keeps it; the oldest events beyond the limits expire. */
  append(appId: AppId, channel: ChannelName, frame: string, except?: SocketId): Appended {
    const limits = this.policy(appId);
    const k = key(appId, channel);
    const now = this.now();
    let stream = this.streams.get(k);
    if (stream === undefined) {
      stream = { streamId: newStreamId(), lastSerial: 0, entries: [], head: 0, bytes: 0, lastAppend: now };
    } else {
      // why: re-inserting keeps the map in order of last append, so the least recent channel is the first one.
      this.streams.delete(k);
    }
    this.streams.set(k, stream);
    const serial = ++stream.lastSerial;
    // why: stream ids are random, so stream id and serial name the event uniquely, at no cost.
    const entry: LoggedMessage = { serial, messageId: `${stream.streamId}-${serial}`, frame, at: now };
    if (except !== undefined) entry.except = except;
    stream.entries.push(entry);
    stream.bytes += frame.length;
    this.bytes += frame.length;
    stream.lastAppend = now;
    this.trim(stream, limits, now);
    if (this.bytes > this.maxTotalBytes) this.evict(k);
    return { serial: entry.serial, streamId: stream.streamId, messageId: entry.messageId };
  }

  async readAfter(appId: AppId, channel: ChannelName, position: StreamPosition): Promise<ReadAfter> {
    const stream = this.streams.get(key(appId, channel));
    if (stream !== undefined) this.trim(stream, this.policy(appId), this.now());
    if (position.streamId === undefined) return { ok: false, code: 'continuity_unverifiable', reason: 'position_without_stream_id', ...bounds(stream) };
    if (stream === undefined) return { ok: false, code: 'position_expired', reason: 'channel_history_expired' };
    if (stream.streamId !== position.streamId) return { ok: false, code: 'stream_reset', reason: 'stream_id_mismatch', ...bounds(stream) };
    if (position.serial > stream.lastSerial) return { ok: false, code: 'continuity_unverifiable', reason: 'position_ahead_of_stream', ...bounds(stream) };
    const oldest = stream.head < stream.entries.length ? stream.entries[stream.head]!.serial : stream.lastSerial + 1;
    if (position.serial + 1 < oldest) return { ok: false, code: 'position_expired', reason: 'recovery_window_exceeded', ...bounds(stream) };
    // why: serials in the buffer are consecutive, so the first missed event sits at a computed index.
    const from = stream.head + (position.serial + 1 - oldest);
    return { ok: true, streamId: stream.streamId, messages: stream.entries.slice(from) };
  }

  async rewind(appId: AppId, channel: ChannelName, ask: Rewind): Promise<RewindRead> {
    const stream = this.streams.get(key(appId, channel));
    if (stream === undefined) return { messages: [], truncated: false };
    const now = this.now();
    this.trim(stream, this.policy(appId), now);
    const kept = stream.entries.slice(stream.head);
    const oldestSerial = kept[0]?.serial ?? stream.lastSerial + 1;
    if ('count' in ask) {
      const messages = ask.count <= 0 ? [] : kept.slice(-ask.count);
      // why: serials start at 1, so fewer kept than asked means older ones expired only if serial 1 is gone.
      return { streamId: stream.streamId, messages, truncated: messages.length < ask.count && oldestSerial > 1 };
    }
    const since = now - ask.seconds * 1000;
    const messages = kept.filter((m) => m.at >= since);
    return { streamId: stream.streamId, messages, truncated: messages.length === kept.length && oldestSerial > 1 };
  }

  /** sizes counts the channels, events and frame bytes kept. */
  sizes(): MemoryRecoveryLogSizes {
    let messages = 0;
    for (const s of this.streams.values()) messages += s.entries.length - s.head;
    return { channels: this.streams.size, messages, bytes: this.bytes };
  }

  /** close stops the sweep timer. */
  close(): void {
    clearInterval(this.sweeper);
  }

  /** sweep forgets channels whose events all expired. */
  sweep(): void {
    const now = this.now();
    for (const [k, stream] of this.streams) {
      const appId = k.slice(0, k.indexOf('\u0000')) as AppId;
      this.trim(stream, this.policy(appId), now);
      if (stream.head >= stream.entries.length && now - stream.lastAppend >= this.policy(appId).ttl_seconds * 1000) this.streams.delete(k);
    }
  }

  /** evict forgets the channels appended to least recently until the total fits, never the one just appended. */
  private evict(keep: string): void {
    for (const [k, stream] of this.streams) {
      if (this.bytes <= this.maxTotalBytes) return;
      if (k === keep) continue;
      this.bytes -= stream.bytes;
      this.streams.delete(k);
    }
  }

  private trim(stream: ChannelStream, limits: RecoveryConfig, now: number): void {
    const oldestAt = now - limits.ttl_seconds * 1000;
    const { entries } = stream;
    while (stream.head < entries.length) {
      const first = entries[stream.head]!;
      const live = entries.length - stream.head;
      if (live <= limits.buffer_size && stream.bytes <= limits.max_buffer_bytes && first.at >= oldestAt) break;
      stream.bytes -= first.frame.length;
      this.bytes -= first.frame.length;
      stream.head++;
    }
    if (stream.head > 64 && stream.head * 2 > entries.length) {
      stream.entries = entries.slice(stream.head);
      stream.head = 0;
    }
  }
}

function bounds(stream: ChannelStream | undefined): { currentStreamId?: string; oldestSerial?: number; newestSerial?: number } {
  if (stream === undefined) return {};
  const out: { currentStreamId?: string; oldestSerial?: number; newestSerial?: number } = { currentStreamId: stream.streamId };
  if (stream.head < stream.entries.length) {
    out.oldestSerial = stream.entries[stream.head]!.serial;
    out.newestSerial = stream.lastSerial;
  }
  return out;
}

function newStreamId(): string {
  return randomBytes(8).toString('hex');
}

function key(app: string, channel: string): string {
  return app + '\u0000' + channel;
}
