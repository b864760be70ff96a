import { createHash } from 'node:crypto';
import { jetstreamManager, type JetStreamManager, type StoredMsg, type StreamConfig } from '@nats-io/jetstream';
import { createInbox, headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection, type Subscription as NatsSubscription } from '@nats-io/transport-node';
import { DependencyUnavailable } from '../errors/dependency-unavailable.js';
import type { AppId, ChannelName } from '../ids.js';
import { GapFiller, type Sequenced } from '../recovery/gap-filler.js';
import type { LoggedMessage, ReadAfter, RecoveryPolicy, RecoveryReader, Rewind, RewindRead, StreamPosition } from '../recovery/recovery-log.js';
import { ConfigError, type RecoveryConfig } from '../config/config.js';
import type { Logger } from '../telemetry/logger.js';
import type { Bus, BusHandler, BusMessage, ControlMessage, PublishPosition, Subscription } from './bus.js';
import { headerReader, withTimeout, type NatsBus } from './bus-nats.js';
import { HEADER, decodeChannelMessages, encodeBareBatch, encodeChannelMessage, type Envelope } from './envelope.js';
import { addOrUpdateStream } from './jetstream-stream.js';
import { channelSubject, encodeToken } from './subjects.js';

/** JetStreamBusOptions say which stream carries the sequenced channels and how long it keeps them. */
export interface JetStreamBusOptions {
  /** prefix is the bus's subject prefix (the stream captures `<prefix>.log.>`). */
  prefix: string;
  /** policy tells which apps' events are sequenced. */
  policy: RecoveryPolicy;
  /**
   * ttlSeconds is how long the stream keeps a message (`max_age`): the largest `ttl_seconds` of any app. An app's
   * own buffer (`buffer_size`, `max_buffer_bytes`, `ttl_seconds`) is applied when reading, not by the stream.
   */
  ttlSeconds: number;
  /**
   * streamMaxBytes bounds the whole stream's stored bytes (`max_bytes`); past it the oldest messages of any
   * channel go first. Default 1 GiB.
   */
  streamMaxBytes?: number;
  /** onGapsFilled is told how many missing messages a gap fill delivered. */
  onGapsFilled?: (count: number) => void;
  logger?: Logger;
  /** subscribeTimeoutMs bounds how long subscribe waits for the server to confirm interest. Default 2000. */
  subscribeTimeoutMs?: number;
}

/** MAX_READ is the most events one gap fill fetches. */
const MAX_READ = 10_000;

/** DEFAULT_STREAM_MAX_BYTES is the stream's byte bound when the options give none (1 GiB). */
const DEFAULT_STREAM_MAX_BYTES = 1024 * 1024 * 1024;

/**
 * SERIALS_PER_MESSAGE is the serial space of one stored message: the event at `index` of the message stored at
 * stream sequence `seq` has serial `seq * SERIALS_PER_MESSAGE + index`. At most this many events share one.
 */
export const SERIALS_PER_MESSAGE = 1024;

/**
 * MAX_BATCH is the most events stored as one message; MAX_BATCH_BYTES bounds their frames' total length, and so
 * does a quarter of the server's max_payload (room for the batch's JSON escaping and headers).
 */
const MAX_BATCH = 64;
const MAX_BATCH_BYTES = 256 * 1024;

/** serialOf is the serial of the event at `index` of the message stored at `seq`. */
export function serialOf(seq: number, index: number): number {
  return seq * SERIALS_PER_MESSAGE + index;
}

/** seqOf is the stream sequence of the message that holds the event with this serial. */
function seqOf(serial: number): number {
  return Math.floor(serial / SERIALS_PER_MESSAGE);
}

/** Queued is a sequenced publish waiting for the next flush. */
interface Queued {
  message: BusMessage;
  resolve: (position: PublishPosition) => void;
  reject: (err: Error) => void;
}

/**
 * JetStreamBus sequences the channels of apps with recovery on, cluster-wide: their events are stored in one
 * JetStream stream (`<prefix>.log.<app>.<channel>`), which republishes each stored message to the channel's
 * delivery subject with its stream sequence (`Nats-Sequence`) and the previous sequence of the same subject
 * (`Nats-Last-Sequence`). Events of one channel published in the same turn of the event loop are stored as one
 * message (a batch, in publish order; up to MAX_BATCH), so the stream's cost is paid per message, not per event;
 * an event's serial is its message's sequence times SERIALS_PER_MESSAGE plus its place in the message.
 * A subscriber that sees a previous sequence past the last one it delivered
 * fetches the missing messages from the stream first (GapFiller), and catches up after every reconnect, so it
 * delivers every stored message once and in order across NATS restarts. Unsequenced messages (notices, apps
 * without recovery) and control messages go through the NatsBus as before. It also answers resume and rewind
 * reads from the stream (RecoveryReader). The stream id is derived from the stream's creation time: it changes
 * only when the stream is deleted and created again.
 */
export class JetStreamBus implements Bus, RecoveryReader {
  private readonly fillers = new Set<GapFiller>();
  private readonly acks: AckTracker;
  private restoredAt = 0;
  /**
   * queued holds, per log subject, the sequenced publishes not yet stored, in publish order: those of this turn of
   * the event loop, and a channel's last partial batch while a store of that channel is in flight.
   */
  private queued = new Map<string, Queued[]>();
  /** storing counts, per log subject, the stores sent and not yet answered (no entry for none). */
  private readonly storing = new Map<string, number>();
  private flushing = false;

  private constructor(
    private readonly core: NatsBus,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    /** streamId is the id every serial of the current stream carries; a stream created again gets a new one. */
    private currentStreamId: string,
    private readonly options: JetStreamBusOptions,
  ) {
    this.acks = new AckTracker(core.connection);
    void this.watchReconnects();
  }

  /** streamId is the id every serial of the current stream carries (it changes when the stream is created again). */
  get streamId(): string {
    return this.currentStreamId;
  }

  /**
   * open creates (or updates) the stream on the NatsBus's connection and returns the bus over it. Fails with
   * DependencyUnavailable when JetStream does not answer (a nats-server without `-js`).
   */
  static async open(core: NatsBus, options: JetStreamBusOptions): Promise<JetStreamBus> {
    try {
      const jsm = await jetstreamManager(core.connection);
      const streamId = await ensureStream(jsm, options);
      return new JetStreamBus(core, jsm, streamName(options.prefix), streamId, options);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new DependencyUnavailable('nats', 'NATS JetStream is unavailable (start nats-server with -js)', (err as Error).message);
    }
  }

  async publish(appId: AppId, channel: ChannelName, message: BusMessage): Promise<PublishPosition> {
    if (message.sequenced !== true || !this.options.policy(appId).enabled) return this.core.publish(appId, channel, message);
    if (!this.core.isConnected()) throw new DependencyUnavailable('nats', 'NATS is unreachable; the bus is reconnecting');
    const subject = logSubject(this.options.prefix, appId, channel);
    return new Promise((resolve, reject) => {
      const waiting = this.queued.get(subject);
      if (waiting === undefined) this.queued.set(subject, [{ message, resolve, reject }]);
      else waiting.push({ message, resolve, reject });
      // why: setImmediate runs after the I/O callbacks of this turn, so the publishes of every request that
      // arrived together leave as one stored message per channel; one publish alone waits no longer than that.
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => this.flush());
  }

  /**
   * flush stores what was queued: per channel, runs of events as batches, an idempotent event on its own. A
   * channel's last run, when it is not a full batch, waits while a store of that channel is in flight and leaves
   * with the events published until that store is answered. why: over many channels a turn brings each channel
   * few events, and under load acknowledgements come back in small groups, so batches shrank to ~1.3 events
   * when the machine was busiest; the stream's cost is per stored message. An idle channel's event leaves at once.
   */
  private flush(): void {
    this.flushing = false;
    const queued = this.queued;
    this.queued = new Map();
    const connected = this.core.isConnected();
    const budget = Math.min(MAX_BATCH_BYTES, Math.floor((this.core.connection.info?.max_payload ?? 1024 * 1024) / 4));
    for (const [subject, items] of queued) {
      if (!connected) {
        for (const item of items) item.reject(new DependencyUnavailable('nats', 'NATS is unreachable; the bus is reconnecting'));
        continue;
      }
      let run: Queued[] = [];
      let bytes = 0;
      for (const item of items) {
        // why: JetStream de-duplicates whole stored messages by id, so a retry-able event is stored alone.
        if (item.message.dedupe === true) {
          this.store(subject, run);
          run = [];
          bytes = 0;
          this.store(subject, [item]);
          continue;
        }
        if (run.length === MAX_BATCH || (run.length > 0 && bytes + item.message.frame.length > budget)) {
          this.store(subject, run);
          run = [];
          bytes = 0;
        }
        run.push(item);
        bytes += item.message.frame.length;
      }
      if (run.length === 0) continue;
      if (run.length < MAX_BATCH && this.storing.has(subject)) this.queued.set(subject, run);
      else this.store(subject, run);
    }
  }

  /** store publishes one message to the stream (one event, or a batch) and answers each event with its serial. */
  private store(subject: string, items: Queued[]): void {
    if (items.length === 0) return;
    const first = items[0]!.message;
    let h: MsgHdrs | undefined;
    let envelope: Envelope;
    if (first.dedupe === true) {
      // why: JetStream drops a second message with the same id within the duplicate window (a retried publish).
      // Only ids that can repeat are tracked: each tracked id costs the server a lookup and memory for the window.
      envelope = encodeChannelMessage(this.core.nodeId, first);
      // why: append, not set: the headers are new and their names distinct, so set's search for an old value is waste.
      h = natsHeaders();
      for (const name in envelope.headers) h.append(name, envelope.headers[name]!);
      h.append('Nats-Msg-Id', envelope.headers[HEADER.id]!);
    } else {
      // why: without headers a stored message costs nats-server less (see encodeBareBatch).
      envelope = encodeBareBatch(this.core.nodeId, items.map((i) => i.message));
    }
    this.storing.set(subject, (this.storing.get(subject) ?? 0) + 1);
    this.acks.publish(subject, envelope.payload, h).then(
      (seq) => {
        this.stored(subject);
        const streamId = this.streamId;
        items.forEach((item, index) => item.resolve({ serial: serialOf(seq, index), streamId }));
      },
      (err: Error) => {
        this.stored(subject);
        // why: no stream answered (it was deleted, or NATS lost its store without this node reconnecting).
        if (err instanceof DependencyUnavailable && err.message.includes('did not store')) this.restoreStream();
        for (const item of items) item.reject(err);
      },
    );
  }

  /** stored counts a store of `subject` answered; the channel's waiting events leave once none is in flight. */
  private stored(subject: string): void {
    const left = (this.storing.get(subject) ?? 1) - 1;
    if (left > 0) {
      this.storing.set(subject, left);
      return;
    }
    this.storing.delete(subject);
    if (this.queued.has(subject)) this.scheduleFlush();
  }

  /** restoreStream creates the stream again, at most once a second, and adopts its new stream id. */
  private restoreStream(): void {
    const now = Date.now();
    if (now - this.restoredAt < 1000) return;
    this.restoredAt = now;
    void this.adoptStream().catch(() => undefined);
  }

  /** adoptStream makes sure the stream exists and starts every channel over when it is a new one. */
  private async adoptStream(): Promise<void> {
    let streamId: string;
    try {
      streamId = idOf(this.stream, (await this.jsm.streams.info(this.stream)).created);
    } catch {
      streamId = await ensureStream(this.jsm, this.options);
    }
    if (streamId === this.currentStreamId) return;
    this.options.logger?.warn({ stream: this.stream }, 'JetStream stream was created again: serials start over under a new stream id');
    this.currentStreamId = streamId;
    for (const filler of this.fillers) filler.reset();
  }

  async subscribe(appId: AppId, channel: ChannelName, handler: BusHandler): Promise<Subscription> {
    if (!this.core.isConnected()) throw new DependencyUnavailable('nats', 'NATS is unreachable; the bus is reconnecting');
    const log = logSubject(this.options.prefix, appId, channel);
    const filler = new GapFiller({
      fetch: (after, upTo) => this.fetch(log, after, { upTo }),
      deliver: handler,
      onFilled: (count) => this.options.onGapsFilled?.(count),
      onStreamReset: () => this.adoptStream(),
      stamp: (message) => {
        message.streamId = this.currentStreamId;
      },
    });
    const nc = this.core.connection;
    const sub = nc.subscribe(channelSubject(this.options.prefix, appId, channel), {
      callback: (err, msg: Msg) => {
        if (err) return;
        const read = headerReader(msg.headers);
        const messages = decodeChannelMessages(read, msg.data);
        if (messages === undefined) return;
        const seq = Number(read('Nats-Sequence'));
        if (!(seq > 0)) {
          for (const message of messages) handler(message);
          return;
        }
        // why: the first event's previous is the first serial of the channel's previous message; delivered, that
        // message's events are all at or before the last delivered serial, so a later one reveals a gap.
        let previous = serialOf(Number(read('Nats-Last-Sequence') ?? 0), 0);
        messages.forEach((message, index) => {
          const serial = serialOf(seq, index);
          message.serial = serial;
          filler.offer({ message, serial, previous });
          previous = serial;
        });
      },
    });
    try {
      await withTimeout(nc.flush(), this.options.subscribeTimeoutMs ?? 2000);
    } catch {
      sub.unsubscribe();
      throw new DependencyUnavailable('nats', 'NATS did not confirm the subscription in time');
    }
    this.fillers.add(filler);
    // why: a node that has not noticed a stream created again would stamp its events with the old stream id.
    await withTimeout(this.adoptStream(), 1000).catch(() => undefined);
    return {
      unsubscribe: async () => {
        filler.close();
        this.fillers.delete(filler);
        if (!nc.isClosed()) sub.unsubscribe();
      },
    };
  }

  publishControl(message: ControlMessage): Promise<void> {
    return this.core.publishControl(message);
  }

  onControl(handler: (message: ControlMessage) => void): void {
    this.core.onControl(handler);
  }

  /** isConnected is false while the client is reconnecting (health checks). */
  isConnected(): boolean {
    return this.core.isConnected();
  }

  async close(): Promise<void> {
    for (const items of this.queued.values()) for (const item of items) item.reject(new DependencyUnavailable('nats', 'the bus is closing'));
    this.queued.clear();
    this.acks.close();
    for (const filler of this.fillers) filler.close();
    this.fillers.clear();
    await this.core.close();
  }

  /**
   * readAfter returns the events after `position` when the app's buffer still holds them all: at most
   * `buffer_size` events and `max_buffer_bytes` frame bytes, none older than `ttl_seconds` (the same window as
   * MemoryRecoveryLog). The walk forward stops one event past that window, so a client far behind costs at most
   * `buffer_size + 1` direct gets, not a read of everything the stream holds after it.
   */
  async readAfter(appId: AppId, channel: ChannelName, position: StreamPosition): Promise<ReadAfter> {
    const bounds = { currentStreamId: this.streamId };
    if (position.streamId === undefined) return { ok: false, code: 'continuity_unverifiable', reason: 'position_without_stream_id', ...bounds };
    if (position.streamId !== this.streamId) return { ok: false, code: 'stream_reset', reason: 'stream_id_mismatch', ...bounds };
    const log = logSubject(this.options.prefix, appId, channel);
    if (position.serial > 0) {
      const newest = await this.jsm.direct.getMessage(this.stream, { last_by_subj: log });
      if (newest === null) return { ok: false, code: 'position_expired', reason: 'channel_history_expired', ...bounds };
      if (position.serial > serialOf(newest.seq, eventsIn(newest) - 1)) return { ok: false, code: 'continuity_unverifiable', reason: 'position_ahead_of_stream', ...bounds };
      // why: the stream drops messages in sequence order (max age, max bytes, both stream-wide), so a channel's
      // stored messages are always a suffix of what was published to it: while the last one the client saw is
      // still stored, every later one is too; once it is gone, some of the missed ones may be.
      const at = await this.jsm.direct.getMessage(this.stream, { seq: seqOf(position.serial) });
      if (at === null) return { ok: false, code: 'position_expired', reason: 'position_no_longer_stored', ...bounds };
      if (at.subject !== log || position.serial % SERIALS_PER_MESSAGE >= eventsIn(at)) {
        return { ok: false, code: 'continuity_unverifiable', reason: 'position_of_another_channel', ...bounds };
      }
    }
    const window = bufferWindow(this.options.policy(appId), Date.now());
    const missed = await this.fetch(log, position.serial, { maxEvents: window.events, maxBytes: window.bytes });
    // why: a resume is whole or refused: every missed event must still be inside the app's buffer.
    if (visibleFrom(missed, window) > 0) return { ok: false, code: 'position_expired', reason: 'recovery_window_exceeded', ...bounds };
    return { ok: true, streamId: this.streamId, messages: missed.map(logged) };
  }

  /**
   * rewind returns the channel's last events within the app's buffer (as readAfter bounds it), read backwards
   * from the newest stored message. NATS 2.9's direct get reads one message by sequence, the last of a subject,
   * or the next of a subject from a sequence; nothing reads backwards. So the read gallops: it reads the channel's
   * messages in the sequence range [newest - d, newest) forward, then the range below with d doubled, until it has
   * what the ask needs or one event past the app's buffer. A range holding more messages than are still needed
   * is not read to its end: the read bisects between it and the range's top instead. why: a channel's stored
   * history is bounded only by the stream's age and bytes now (up to ttl x its rate), and reading it from
   * sequence 1 cost one direct get per stored message. Cost: the messages needed, one get per range, and at most
   * (messages still needed + 1) gets per bisection step, so O(needed x log2(sequences searched)) in the worst case.
   */
  async rewind(appId: AppId, channel: ChannelName, ask: Rewind): Promise<RewindRead> {
    const streamId = this.streamId;
    if ('count' in ask && ask.count <= 0) return { streamId, messages: [], truncated: false };
    const now = Date.now();
    const window = bufferWindow(this.options.policy(appId), now);
    const since = 'seconds' in ask ? now - ask.seconds * 1000 : -Infinity;
    const log = logSubject(this.options.prefix, appId, channel);
    const newest = await this.jsm.direct.getMessage(this.stream, { last_by_subj: log });
    if (newest === null) return { streamId, messages: [], truncated: false };
    let events = this.sequenced(newest, 0);
    // why one past the buffer: whether older events exist past it decides `truncated`, as in MemoryRecoveryLog.
    const need = 'count' in ask && ask.count <= window.events ? ask.count : window.events + 1;
    const enough = (): boolean => events.length >= need || visibleFrom(events, window) > 0 || (events[0]?.at ?? Infinity) < since;
    let hi = newest.seq;
    let span = Math.max(need, 16);
    /** dense, once known, is a sequence below which [dense, hi) holds more messages than are still needed. */
    let dense: number | undefined;
    while (hi > 1 && !enough()) {
      const lo = dense === undefined ? Math.max(1, hi - span) : hi - Math.max(1, Math.floor((hi - dense) / 2));
      const older = await this.fetchRange(log, lo, hi, need - events.length);
      if (older === undefined) {
        dense = lo;
        continue;
      }
      events = [...older, ...events];
      hi = lo;
      span *= 2;
    }
    const visible = events.slice(visibleFrom(events, window)).map(logged);
    const cut = visible.length < events.length;
    if ('count' in ask) {
      const messages = visible.slice(-ask.count);
      // why: fewer than asked is truncated only when older events were stored past the app's buffer.
      return { streamId, messages, truncated: messages.length < ask.count && cut };
    }
    const messages = visible.filter((m) => m.at >= since);
    return { streamId, messages, truncated: messages.length === visible.length && cut };
  }

  /**
   * fetchRange reads the channel's events stored at sequences [lo, hi), oldest first, or undefined when the range
   * holds more than `cap` messages (the caller then reads a smaller range).
   */
  private async fetchRange(log: string, lo: number, hi: number, cap: number): Promise<Sequenced[] | undefined> {
    const out: Sequenced[] = [];
    let next = lo;
    for (let read = 0; ; read++) {
      const stored = await this.jsm.direct.getMessage(this.stream, { next_by_subj: log, seq: next });
      if (stored === null || stored.seq >= hi) return out;
      if (read === cap) return undefined;
      out.push(...this.sequenced(stored, 0));
      next = stored.seq + 1;
    }
  }

  /** sequenced decodes a stored message's events with serials after `after`, stamped with the stream id. */
  private sequenced(stored: StoredMsg, after: number): Sequenced[] {
    const out: Sequenced[] = [];
    const at = stored.time.getTime();
    for (const [index, message] of (decodeStored(stored) ?? []).entries()) {
      const serial = serialOf(stored.seq, index);
      if (serial <= after) continue;
      message.serial = serial;
      message.streamId = this.streamId;
      out.push({ message, serial, previous: 0, at });
    }
    return out;
  }

  /**
   * fetch reads a channel's stored events with serials after `after` (up to `upTo`), oldest first, one direct get
   * per stored message; the message holding `after` is read again for the events after it in its batch. It stops
   * once it has more than `maxEvents` events (default: MAX_READ in all) or `maxBytes` frame bytes.
   */
  private async fetch(log: string, after: number, bounds: { upTo?: number; maxEvents?: number; maxBytes?: number } = {}): Promise<Sequenced[]> {
    const { upTo, maxEvents = MAX_READ - 1, maxBytes = Infinity } = bounds;
    const out: Sequenced[] = [];
    let previous = after;
    let bytes = 0;
    let next = Math.max(1, seqOf(after));
    while (out.length <= maxEvents && bytes <= maxBytes) {
      const stored = await this.jsm.direct.getMessage(this.stream, { next_by_subj: log, seq: next });
      if (stored === null || (upTo !== undefined && serialOf(stored.seq, 0) > upTo)) break;
      next = stored.seq + 1;
      for (const item of this.sequenced(stored, after)) {
        if (upTo !== undefined && item.serial > upTo) continue;
        item.previous = previous;
        out.push(item);
        bytes += item.message.frame.length;
        previous = item.serial;
      }
    }
    return out;
  }

  private async watchReconnects(): Promise<void> {
    for await (const status of this.core.connection.status()) {
      if (status.type !== 'reconnect') continue;
      // why: a NATS server that came back without its store has no stream: create it again. Its serials start
      // over under a new stream id, so what each channel delivered before no longer says what is new.
      try {
        await this.adoptStream();
      } catch (err) {
        this.options.logger?.warn({ err: (err as Error).message }, 'JetStream stream check after reconnect failed');
      }
      // why: messages stored while this node was cut off were republished to nobody; no later message may
      // come to reveal the gap, so every channel asks the stream for what is newer than its last delivery.
      for (const filler of this.fillers) filler.catchUp();
    }
  }
}

/**
 * ensureStream creates the stream of the options' prefix, or updates it to the options, and returns its stream
 * id (derived from the stream's creation time).
 */
async function ensureStream(jsm: JetStreamManager, options: JetStreamBusOptions): Promise<string> {
  const stream = streamName(options.prefix);
  const config: Partial<StreamConfig> & { name: string } = {
    name: stream,
    subjects: [`${options.prefix}.log.>`],
    storage: 'file' as StreamConfig['storage'],
    // why: no per-subject limit (-1, explicit so that an update removes one set before): removing a subject's
    // oldest message on every store cost nats-server 33.8 us per stored message over 100 channels, 16.3 us
    // without (128.8 vs 17.5 us over 1,000). Each app's buffer is applied when reading instead (readAfter,
    // rewind). The stream discards in sequence order (age, then bytes: discard old), so a channel's stored
    // messages stay a suffix of what was published to it, which readAfter's continuity check relies on.
    max_msgs_per_subject: -1,
    max_age: options.ttlSeconds * 1_000_000_000,
    max_bytes: options.streamMaxBytes ?? DEFAULT_STREAM_MAX_BYTES,
    discard: 'old' as StreamConfig['discard'],
    allow_direct: true,
    // why: JetStream refuses a duplicate window longer than the stream's max age.
    duplicate_window: Math.min(120, options.ttlSeconds) * 1_000_000_000,
    republish: { src: `${options.prefix}.log.>`, dest: `${options.prefix}.ch.>` },
  };
  const { created } = await addOrUpdateStream(jsm, config, 'recovery.stream_max_bytes (RECOVERY_STREAM_MAX_BYTES)');
  return idOf(stream, created);
}

/**
 * idOf is a stream's id: a digest of its name and creation time, so that a stream created again gets a new one.
 * why the `batch` mark: serials are numbered per stored message and event since batching, so positions taken
 * before it belong to another numbering; a new id makes them resume with stream_reset instead of misreading.
 */
export function idOf(stream: string, created: string): string {
  return createHash('sha256').update(`${stream}\u0000${created}\u0000batch`).digest('hex').slice(0, 16);
}

/** isRecoveryReader tells whether a bus also answers resume and rewind reads (JetStreamBus). */
export function isRecoveryReader(bus: Bus): bus is Bus & RecoveryReader {
  return typeof (bus as Partial<RecoveryReader>).readAfter === 'function';
}

/** logSubject is the subject the stream captures for one app's channel. */
function logSubject(prefix: string, app: string, channel: string): string {
  return `${prefix}.log.${encodeToken(app)}.${encodeToken(channel)}`;
}

/** streamName is the stream of a subject prefix (stream names allow no `.`, `*`, `>` or spaces). */
export function streamName(prefix: string): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}_channels`;
}

function decodeStored(stored: StoredMsg): BusMessage[] | undefined {
  return decodeChannelMessages(headerReader(stored.header), stored.data);
}

/** eventsIn counts the events of a stored message (one unless it is a batch). */
function eventsIn(stored: StoredMsg): number {
  return Math.max(1, decodeStored(stored)?.length ?? 1);
}

/** BufferWindow is an app's buffer as resume and rewind see it: the newest `events` events, `bytes` frame bytes, none older than `oldestAt`. */
interface BufferWindow {
  events: number;
  bytes: number;
  oldestAt: number;
}

/** bufferWindow is the buffer of an app's recovery settings at `now` (ms). */
function bufferWindow(limits: RecoveryConfig, now: number): BufferWindow {
  return { events: limits.buffer_size, bytes: limits.max_buffer_bytes, oldestAt: now - limits.ttl_seconds * 1000 };
}

/**
 * visibleFrom is the index of the first of `events` (a channel's newest, oldest first) inside an app's buffer:
 * the longest suffix with at most `events` events and `bytes` frame bytes, none older than `oldestAt`.
 */
function visibleFrom(events: readonly Sequenced[], window: BufferWindow): number {
  let bytes = 0;
  let from = events.length;
  while (from > 0) {
    const item = events[from - 1]!;
    bytes += item.message.frame.length;
    if (events.length - from + 1 > window.events || bytes > window.bytes || (item.at ?? 0) < window.oldestAt) break;
    from--;
  }
  return from;
}

function logged(item: Sequenced): LoggedMessage {
  const { message } = item;
  const out: LoggedMessage = { serial: item.serial, messageId: message.id ?? '', frame: message.frame, at: item.at ?? 0 };
  if (message.except !== undefined) out.except = message.except;
  return out;
}

/** ACK_TIMEOUT_MS bounds how long a publish waits for the stream's acknowledgement. */
const ACK_TIMEOUT_MS = 2000;

/** PendingAck is a publish waiting for its acknowledgement. */
interface PendingAck {
  resolve: (serial: number) => void;
  reject: (err: Error) => void;
  at: number;
}

/**
 * AckTracker publishes to the stream and matches the stream's acknowledgements on one wildcard inbox, with one
 * timer sweeping for late ones. why: the client library's JetStream publish (a request, a timer and a decoder per
 * message) capped a loaded two-core machine at ~5,000 acked publishes/s; this path measured ~20,000.
 */
class AckTracker {
  private readonly inbox = createInbox();
  private readonly pending = new Map<string, PendingAck>();
  private readonly sub: NatsSubscription;
  private readonly sweeper: NodeJS.Timeout;
  private next = 0;

  constructor(private readonly nc: NatsConnection) {
    const offset = this.inbox.length + 1;
    this.sub = nc.subscribe(`${this.inbox}.*`, {
      callback: (err, msg) => {
        if (err) return;
        const id = msg.subject.slice(offset);
        const waiting = this.pending.get(id);
        if (waiting === undefined) return;
        this.pending.delete(id);
        const seq = ackedSequence(msg.data);
        if (seq !== undefined) {
          waiting.resolve(seq);
          return;
        }
        let ack: { error?: { description?: string } };
        try {
          ack = JSON.parse(DECODER.decode(msg.data)) as typeof ack;
        } catch {
          ack = {};
        }
        waiting.reject(new DependencyUnavailable('nats', 'NATS JetStream did not store the message', ack.error?.description ?? 'no stream answered'));
      },
    });
    this.sweeper = setInterval(() => this.sweep(), 250);
    this.sweeper.unref();
  }

  /** publish sends a message to the stream and resolves with its sequence once the stream has stored it. */
  publish(subject: string, payload: Uint8Array, headers: MsgHdrs | undefined): Promise<number> {
    const id = (this.next++).toString(36);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, at: Date.now() });
      try {
        const reply = `${this.inbox}.${id}`;
        this.nc.publish(subject, payload, headers === undefined ? { reply } : { headers, reply });
      } catch (err) {
        this.pending.delete(id);
        reject(new DependencyUnavailable('nats', 'NATS JetStream did not store the message', (err as Error).message));
      }
    });
  }

  close(): void {
    clearInterval(this.sweeper);
    this.sub.unsubscribe();
    for (const waiting of this.pending.values()) waiting.reject(new DependencyUnavailable('nats', 'the bus is closing'));
    this.pending.clear();
  }

  private sweep(): void {
    const oldest = Date.now() - ACK_TIMEOUT_MS;
    for (const [id, waiting] of this.pending) {
      // why: ids are handed out in order, so the map iterates oldest first.
      if (waiting.at > oldest) break;
      this.pending.delete(id);
      waiting.reject(new DependencyUnavailable('nats', 'NATS JetStream did not acknowledge the message in time'));
    }
  }
}

const DECODER = new TextDecoder();

/** SEQ_FIELD is how a stored message's acknowledgement names its sequence: `{"stream":"<name>","seq":<n>...}`. */
const SEQ_FIELD = Buffer.from('"seq":');
const ERROR_FIELD = Buffer.from('"error"');

/**
 * ackedSequence reads the sequence from an acknowledgement of a stored message (a duplicate's names the first
 * copy's), without parsing its JSON; undefined for an error answer, which has no sequence. why: parsing every
 * acknowledgement cost more than matching it.
 */
export function ackedSequence(data: Uint8Array): number | undefined {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const at = bytes.indexOf(SEQ_FIELD);
  if (at < 0 || bytes.includes(ERROR_FIELD)) return undefined;
  let seq = 0;
  let i = at + SEQ_FIELD.length;
  for (; i < bytes.length; i++) {
    const digit = bytes[i]! - 48;
    if (digit < 0 || digit > 9) break;
    seq = seq * 10 + digit;
  }
  return i > at + SEQ_FIELD.length && seq > 0 ? seq : undefined;
}
