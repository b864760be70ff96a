import { AckPolicy, DeliverPolicy, DiscardPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type Consumer, type JetStreamManager, type JsMsg, type StreamConfig } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { idOf, serialOf, streamName } from '../bus/bus-jetstream.js';
import { headerReader } from '../bus/bus-nats.js';
import { addOrUpdateStream } from '../bus/jetstream-stream.js';
import { decodeChannelMessages } from '../bus/envelope.js';
import { decodeToken } from '../bus/subjects.js';
import { asAppId, asChannelName } from '../ids.js';
import type { Logger } from '../telemetry/logger.js';
import { historyItemOfFrame } from './history-recorder.js';
import type { ChannelMessage, HistoryStore } from './history-store.js';

/** HistoryConsumerOptions say which channel stream to consume, into which store, in batches of what size. */
export interface HistoryConsumerOptions {
  /** prefix is the bus's subject prefix: the channel stream is the JetStreamBus's `<prefix>.log.>` stream. */
  prefix: string;
  store: HistoryStore;
  /**
   * streamMaxAgeSeconds bounds how long the history stream keeps an event not stored yet: the longest the
   * history service may be down or behind without losing events. Default 604800 (7 days).
   */
  streamMaxAgeSeconds?: number;
  /** streamMaxBytes bounds the history stream's size (its oldest events go first past it); zero: no bound. Default 1 GiB. */
  streamMaxBytes?: number;
  /** durable names the JetStream consumer; every replica uses the same name and so shares the work. Default `history`. */
  durable?: string;
  /** batchSize is the most messages one store write takes. Default 1000. */
  batchSize?: number;
  /** maxWaitMs is how long a batch waits to fill up after its first message before it is stored as it is. Default 20. */
  maxWaitMs?: number;
  logger?: Logger;
  /** parallelWrites is how many batches may be written at once. Default 8. */
  parallelWrites?: number;
  /** onStored is told after each write how many messages it stored and how many were there already. */
  onStored?: (stored: number, duplicates: number) => void;
}

/** historyStreamsPrefix starts the name of every history stream of a subject prefix: `<prefix>_history_`. */
export function historyStreamsPrefix(prefix: string): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}_history_`;
}

/**
 * historyStreamName is the history stream of one channel stream: `<prefix>_history_<stream id>`. why: a channel
 * stream created again (new stream id, serials from 1) needs a history stream of its own: the server resumes an
 * existing stream's source after the last sequence it copied, which would skip the new stream's first events.
 */
export function historyStreamName(prefix: string, streamId: string): string {
  return `${historyStreamsPrefix(prefix)}${streamId}`;
}

/** INCARNATION_CHECK_MS is how often a running consumer checks that the channel stream is still the one it started on. */
const INCARNATION_CHECK_MS = 1000;

/**
 * JetStreamHistoryConsumer stores the channel stream into a HistoryStore. It does not read the channel stream
 * itself, which keeps only the hot buffer (`recovery.buffer_size` per channel for `recovery.ttl_seconds`): it
 * creates a history stream (`<prefix>_history_<stream id>`) that the NATS server sources from the channel stream, a work
 * queue that keeps every event until the history service acknowledges it, for up to `streamMaxAgeSeconds` and
 * `streamMaxBytes`. The server copies events into it whether or not a history service runs, so a service that is
 * down or behind longer than the hot buffer still finds every event there when it comes back.
 *
 * It reads that stream through a durable pull consumer: it gathers a batch, writes it in one append, and
 * acknowledges the messages only after the write (which removes them from the work queue). A replica killed
 * mid-batch leaves its messages unacknowledged, so JetStream hands them out again after the ack wait, and the
 * store's idempotent append (keyed by app, channel, stream id and serial) stores each once. Replicas sharing the
 * durable name share the work. Each event's serial is the one the JetStreamBus gave it: its message's sequence in
 * the channel stream (the copy's `Nats-Stream-Source` header) and its place in that message (serialOf). Until the channel stream exists (the gateways and the api create it) it waits
 * and tries again.
 *
 * When the channel stream is created again (NATS lost it), the consumer moves to a new history stream for the new
 * stream id; what the old one still holds is stored first, under the old stream id, and the old one deleted.
 */
export class JetStreamHistoryConsumer {
  private readonly stream: string;
  private readonly durable: string;
  private stopping = false;
  private failed: Error | undefined;
  private loop: Promise<void> | undefined;
  /** consuming is the pull in progress; stopping it ends the drain loop. */
  private consuming: { stop(): void } | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: HistoryConsumerOptions,
  ) {
    this.stream = streamName(options.prefix);
    this.durable = options.durable ?? 'history';
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** stop ends the loop after the batch in hand is stored and acknowledged. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.consuming?.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const { consumer, streamId, jsm } = await this.attach();
        failures = 0;
        await this.drain(consumer, streamId, jsm);
        const failed = this.failed;
        this.failed = undefined;
        if (failed !== undefined) throw failed;
      } catch (err) {
        failures++;
        if (failures === 1 || failures % 30 === 0) this.options.logger?.warn({ err: (err as Error).message, stream: this.stream }, 'history consumer cannot read the channel stream; retrying');
        await sleep(Math.min(1000 * failures, 5000));
      }
    }
  }

  /**
   * drain consumes the stream until stopped or a write fails: messages gather into a batch that is written when it
   * holds `batchSize` messages or `maxWaitMs` after its first one, whichever comes first. why: a pull consumer
   * (`consume`) keeps the next messages coming while batches are written, and the time bound keeps the history
   * close behind the live stream at low rates; a fixed-size fetch held each batch until it was full.
   */
  private async drain(consumer: Consumer, streamId: string, jsm: JetStreamManager): Promise<void> {
    const batchSize = this.options.batchSize ?? 1000;
    const maxWaitMs = this.options.maxWaitMs ?? 20;
    const parallel = this.options.parallelWrites ?? 8;
    // why: when NATS loses the streams (a restart without its store) the pull must fail, not wait for a consumer that
    // no longer exists; the loop then attaches again, creating the history stream and the consumer anew.
    const messages = await consumer.consume({ max_messages: batchSize * 4, expires: 5000, abort_on_missing_resource: true });
    this.consuming = messages;
    if (this.stopping) messages.stop();
    const writing = new Set<Promise<void>>();
    // why: a channel stream created again keeps no consumer waiting: this one stops and attaches to the new one.
    const watch = setInterval(() => {
      jsm.streams.info(this.stream).then(
        (info) => {
          if (idOf(this.stream, info.created) !== streamId) messages.stop();
        },
        () => undefined,
      );
    }, INCARNATION_CHECK_MS);
    let batch: { messages: JsMsg[]; rows: ChannelMessage[] } = { messages: [], rows: [] };
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      clearTimeout(timer);
      timer = undefined;
      if (batch.messages.length === 0) return;
      const taken = batch;
      batch = { messages: [], rows: [] };
      const write = this.write(taken).finally(() => writing.delete(write));
      writing.add(write);
    };
    try {
      for await (const m of messages) {
        batch.messages.push(m);
        batch.rows.push(...this.toRows(m, streamId));
        // why: a stored message may be a batch of events, so rows can outgrow messages.
        if (batch.messages.length >= batchSize || batch.rows.length >= batchSize) flush();
        else timer ??= setTimeout(flush, maxWaitMs);
        // why: past `parallel` writes in flight the loop stops taking messages; JetStream holds the rest (max_ack_pending).
        while (writing.size >= parallel) await Promise.race(writing);
        if (this.stopping || this.failed !== undefined) break;
      }
    } finally {
      clearInterval(watch);
      this.consuming = undefined;
      messages.stop();
      // why: the messages in hand are stored and acknowledged before the loop ends (a failed write leaves them to redelivery).
      if (this.failed === undefined) flush();
      else clearTimeout(timer);
      await Promise.all(writing);
    }
  }

  /**
   * attach makes sure the history stream of the current channel stream and the durable consumer exist, stores and
   * deletes what older history streams still hold, and returns the consumer with the channel stream's id.
   */
  private async attach(): Promise<{ consumer: Consumer; streamId: string; jsm: JetStreamManager }> {
    const jsm: JetStreamManager = await jetstreamManager(this.nc);
    const info = await jsm.streams.info(this.stream);
    const streamId = idOf(this.stream, info.created);
    const current = historyStreamName(this.options.prefix, streamId);
    await this.ensureHistoryStream(jsm, current);
    await this.retireOlder(jsm, current, Date.parse(info.created));
    const consumer = await this.durableOn(jsm, current);
    return { consumer, streamId, jsm };
  }

  private async durableOn(jsm: JetStreamManager, stream: string): Promise<Consumer> {
    try {
      await jsm.consumers.info(stream, this.durable);
    } catch {
      await jsm.consumers.add(stream, {
        durable_name: this.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        // why: a killed replica's batch comes back to the others after this long.
        ack_wait: 10_000_000_000,
        max_ack_pending: 20_000,
      });
    }
    return jetstream(this.nc).consumers.get(stream, this.durable);
  }

  /** ensureHistoryStream creates a history stream sourced from the channel stream, or updates it to the options. */
  private async ensureHistoryStream(jsm: JetStreamManager, name: string): Promise<void> {
    const maxBytes = this.options.streamMaxBytes ?? 1024 * 1024 * 1024;
    const config: Partial<StreamConfig> & { name: string } = {
      name,
      sources: [{ name: this.stream }],
      // why: a work queue drops what the history service acknowledged, so it holds only what is not stored yet.
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: (this.options.streamMaxAgeSeconds ?? 604_800) * 1_000_000_000,
      max_bytes: maxBytes > 0 ? maxBytes : -1,
    };
    await addOrUpdateStream(jsm, config, 'history.stream_max_bytes (HISTORY_STREAM_MAX_BYTES)');
  }

  /**
   * retireOlder empties and deletes the history streams of earlier channel streams: it stops their sourcing,
   * stores what they hold under their own stream id, and deletes them. Copies an old stream took from the new
   * channel stream (published from `createdMs` on) are left to the new history stream, which has them all.
   */
  private async retireOlder(jsm: JetStreamManager, current: string, createdMs: number): Promise<void> {
    const prefix = historyStreamsPrefix(this.options.prefix);
    const older: string[] = [];
    for await (const name of jsm.streams.names()) if (name.startsWith(prefix) && name !== current) older.push(name);
    for (const name of older) {
      const streamId = name.slice(prefix.length);
      await jsm.streams.update(name, { sources: [] });
      const consumer = await this.durableOn(jsm, name);
      for (;;) {
        const fetched = await consumer.fetch({ max_messages: this.options.batchSize ?? 1000, expires: 1000 });
        const messages: JsMsg[] = [];
        const rows: ChannelMessage[] = [];
        for await (const m of fetched) {
          messages.push(m);
          if (Number(m.info.timestampNanos) / 1e6 < createdMs) rows.push(...this.toRows(m, streamId));
        }
        if (messages.length === 0 && (await jsm.streams.info(name)).state.messages === 0) break;
        const stored = await this.options.store.append(rows);
        for (const m of messages) m.ack();
        this.options.onStored?.(stored, rows.length - stored);
      }
      await jsm.streams.delete(name);
      this.options.logger?.info({ stream: name }, 'history: stored what the history stream of an earlier channel stream held, and deleted it');
    }
  }

  /** write stores a batch and then acknowledges it; a failed write leaves it unacknowledged (JetStream redelivers it). */
  private async write(batch: { messages: JsMsg[]; rows: ChannelMessage[] }): Promise<void> {
    try {
      const stored = await this.options.store.append(batch.rows);
      for (const m of batch.messages) m.ack();
      this.options.onStored?.(stored, batch.rows.length - stored);
    } catch (err) {
      this.failed ??= err as Error;
      // why: the loop may be waiting for the next message; it ends now and attaches again after a pause.
      this.consuming?.stop();
    }
  }

  /** toRows turns a history stream message into history rows (a batch holds several); none for a non-event. */
  private toRows(m: JsMsg, streamId: string): ChannelMessage[] {
    const tokens = m.subject.slice(this.options.prefix.length + '.log.'.length).split('.');
    if (tokens.length !== 2) return [];
    const read = headerReader(m.headers);
    const seq = sourceSequence(read('Nats-Stream-Source'), this.stream);
    if (seq === undefined) return [];
    const messages = decodeChannelMessages(read, m.data) ?? [];
    const app_id = asAppId(decodeToken(tokens[0]!));
    const channel = asChannelName(decodeToken(tokens[1]!));
    const rows: ChannelMessage[] = [];
    for (const [index, message] of messages.entries()) {
      const item = historyItemOfFrame(message.frame);
      if (item === undefined) continue;
      rows.push({
        app_id,
        channel,
        serial: serialOf(seq, index),
        stream_id: streamId,
        message_id: message.id ?? '',
        ...item,
        published_at_ms: Math.floor(Number(m.info.timestampNanos) / 1e6),
      });
    }
    return rows;
  }
}

/**
 * sourceSequence reads a sourced copy's sequence in its origin stream from the `Nats-Stream-Source` header
 * (`<origin stream> <sequence>`, then optional fields); undefined when the header is absent or names another stream.
 */
export function sourceSequence(header: string | undefined, origin: string): number | undefined {
  const [name, seq] = (header ?? '').split(' ');
  const serial = Number(seq);
  return name === origin && Number.isSafeInteger(serial) && serial > 0 ? serial : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
