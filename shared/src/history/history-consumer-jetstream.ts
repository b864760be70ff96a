import { AckPolicy, DeliverPolicy, DiscardPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type Consumer, type JetStreamManager, type JsMsg, type StreamConfig } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { idOf, serialOf, streamName } from '../bus/bus-jetstream.js';
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

/** historyStreamName is the history stream of a subject prefix: `<prefix>_history`, next to `<prefix>_channels`. */
export function historyStreamName(prefix: string): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}_history`;
}

/**
 * JetStreamHistoryConsumer stores the channel stream into a HistoryStore. It does not read the channel stream
 * itself, which keeps only the hot buffer (`recovery.buffer_size` per channel for `recovery.ttl_seconds`): it
 * creates a history stream (`<prefix>_history`) that the NATS server sources from the channel stream, a work
 * queue that keeps every event until the history service acknowledges it, for up to `streamMaxAgeSeconds` and
 * `streamMaxBytes`. The server copies events into it whether or not a history service runs, so a service that is
 * down or behind longer than the hot buffer still finds every event there when it comes back.
 *
 * It reads that stream through a durable pull consumer: it gathers a batch, writes it in one append, and
 * acknowledges the messages only after the write (which removes them from the work queue). A replica killed
 * mid-batch leaves its messages unacknowledged, so JetStream hands them out again after the ack wait, and the
 * store's idempotent append (keyed by app, channel, stream id and serial) stores each once. Replicas sharing the
 * durable name share the work. Each event's serial is its sequence in the channel stream (the copy's
 * `Nats-Stream-Source` header). Until the channel stream exists (the gateways and the api create it) it waits
 * and tries again.
 */
export class JetStreamHistoryConsumer {
  private readonly stream: string;
  private readonly historyStream: string;
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
    this.historyStream = historyStreamName(options.prefix);
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
        const { consumer, streamId } = await this.attach();
        failures = 0;
        await this.drain(consumer, streamId);
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
  private async drain(consumer: Consumer, streamId: string): Promise<void> {
    const batchSize = this.options.batchSize ?? 1000;
    const maxWaitMs = this.options.maxWaitMs ?? 20;
    const parallel = this.options.parallelWrites ?? 8;
    // why: when NATS loses the streams (a restart without its store) the pull must fail, not wait for a consumer that
    // no longer exists; the loop then attaches again, creating the history stream and the consumer anew.
    const messages = await consumer.consume({ max_messages: batchSize * 4, expires: 5000, abort_on_missing_resource: true });
    this.consuming = messages;
    if (this.stopping) messages.stop();
    const writing = new Set<Promise<void>>();
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
      this.consuming = undefined;
      messages.stop();
      // why: the messages in hand are stored and acknowledged before the loop ends (a failed write leaves them to redelivery).
      if (this.failed === undefined) flush();
      else clearTimeout(timer);
      await Promise.all(writing);
    }
  }

  /** attach makes sure the history stream and the durable consumer exist and returns it with the channel stream's id. */
  private async attach(): Promise<{ consumer: Consumer; streamId: string }> {
    const jsm: JetStreamManager = await jetstreamManager(this.nc);
    const info = await jsm.streams.info(this.stream);
    await this.ensureHistoryStream(jsm);
    try {
      await jsm.consumers.info(this.historyStream, this.durable);
    } catch {
      await jsm.consumers.add(this.historyStream, {
        durable_name: this.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        // why: a killed replica's batch comes back to the others after this long.
        ack_wait: 10_000_000_000,
        max_ack_pending: 20_000,
      });
    }
    const consumer = await jetstream(this.nc).consumers.get(this.historyStream, this.durable);
    return { consumer, streamId: idOf(this.stream, info.created) };
  }

  /** ensureHistoryStream creates the history stream sourced from the channel stream, or updates it to the options. */
  private async ensureHistoryStream(jsm: JetStreamManager): Promise<void> {
    const maxBytes = this.options.streamMaxBytes ?? 1024 * 1024 * 1024;
    const config: Partial<StreamConfig> & { name: string } = {
      name: this.historyStream,
      sources: [{ name: this.stream }],
      // why: a work queue drops what the history service acknowledged, so it holds only what is not stored yet.
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: (this.options.streamMaxAgeSeconds ?? 604_800) * 1_000_000_000,
      max_bytes: maxBytes > 0 ? maxBytes : -1,
    };
    try {
      await jsm.streams.add(config);
    } catch {
      await jsm.streams.update(this.historyStream, config);
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
    const seq = sourceSequence(m.headers?.get('Nats-Stream-Source'), this.stream);
    if (seq === undefined) return [];
    const messages = decodeChannelMessages((name) => (m.headers?.has(name) ? m.headers.get(name) : undefined), m.data) ?? [];
    const rows: ChannelMessage[] = [];
    for (const [index, message] of messages.entries()) {
      const item = historyItemOfFrame(message.frame);
      if (item === undefined) continue;
      rows.push({
        app_id: asAppId(decodeToken(tokens[0]!)),
        channel: asChannelName(decodeToken(tokens[1]!)),
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
