import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type Consumer, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { idOf, streamName } from '../bus/bus-jetstream.js';
import { decodeChannelMessage } from '../bus/envelope.js';
import { decodeToken } from '../bus/subjects.js';
import { asAppId, asChannelName } from '../ids.js';
import type { Logger } from '../telemetry/logger.js';
import { historyItemOfFrame } from './history-recorder.js';
import type { ChannelMessage, HistoryStore } from './history-store.js';

/** HistoryConsumerOptions say which channel stream to consume, into which store, in batches of what size. */
export interface HistoryConsumerOptions {
  /** prefix is the bus's subject prefix: the stream is the JetStreamBus's `<prefix>.log.>` stream. */
  prefix: string;
  store: HistoryStore;
  /** durable names the JetStream consumer; every replica uses the same name and so shares the work. Default `history`. */
  durable?: string;
  /** batchSize is the most messages one store write takes. Default 500. */
  batchSize?: number;
  /** maxWaitMs is how long a fetch waits for a full batch before storing what it has. Default 500. */
  maxWaitMs?: number;
  logger?: Logger;
  /** parallelWrites is how many batches may be written at once. Default 4. */
  parallelWrites?: number;
  /** onStored is told after each write how many messages it stored and how many were there already. */
  onStored?: (stored: number, duplicates: number) => void;
}

/**
 * JetStreamHistoryConsumer stores the channel stream into a HistoryStore through a durable pull consumer: it
 * fetches a batch, writes it in one append, and acknowledges the messages only after the write. A replica killed
 * mid-batch leaves its messages unacknowledged, so JetStream hands them out again after the ack wait, and the
 * store's idempotent append (keyed by app, channel and serial) stores each once. Replicas sharing the durable
 * name share the work. Until the stream exists (the gateways and the api create it) it waits and tries again.
 */
export class JetStreamHistoryConsumer {
  private readonly stream: string;
  private readonly durable: string;
  private stopping = false;
  private failed: Error | undefined;
  private loop: Promise<void> | undefined;

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
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const { consumer, streamId } = await this.attach();
        failures = 0;
        const writing = new Set<Promise<void>>();
        try {
          while (!this.stopping && this.failed === undefined) {
            const taken = await this.take(consumer, streamId);
            if (taken === undefined) continue;
            const write = this.write(taken).finally(() => writing.delete(write));
            writing.add(write);
            // why: the next batch is fetched while earlier ones are written (rows are independent, appends idempotent).
            if (writing.size >= (this.options.parallelWrites ?? 4)) await Promise.race(writing);
          }
        } finally {
          await Promise.all(writing);
        }
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

  /** attach makes sure the durable consumer exists and returns it with the stream's id. */
  private async attach(): Promise<{ consumer: Consumer; streamId: string }> {
    const jsm: JetStreamManager = await jetstreamManager(this.nc);
    const info = await jsm.streams.info(this.stream);
    try {
      await jsm.consumers.info(this.stream, this.durable);
    } catch {
      await jsm.consumers.add(this.stream, {
        durable_name: this.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: `${this.options.prefix}.log.>`,
        // why: a killed replica's batch comes back to the others after this long.
        ack_wait: 10_000_000_000,
        max_ack_pending: 20_000,
      });
    }
    const consumer = await jetstream(this.nc).consumers.get(this.stream, this.durable);
    return { consumer, streamId: idOf(this.stream, info.created) };
  }

  /** take fetches one batch and turns it into rows; undefined when the fetch brought nothing. */
  private async take(consumer: Consumer, streamId: string): Promise<{ messages: JsMsg[]; rows: ChannelMessage[] } | undefined> {
    const fetched = await consumer.fetch({ max_messages: this.options.batchSize ?? 500, expires: Math.max(1000, this.options.maxWaitMs ?? 500) });
    const messages: JsMsg[] = [];
    const rows: ChannelMessage[] = [];
    for await (const m of fetched) {
      messages.push(m);
      const row = this.toRow(m, streamId);
      if (row !== undefined) rows.push(row);
      if (this.stopping) break;
    }
    return messages.length === 0 ? undefined : { messages, rows };
  }

  /** write stores a batch and then acknowledges it; a failed write leaves it unacknowledged (JetStream redelivers it). */
  private async write(batch: { messages: JsMsg[]; rows: ChannelMessage[] }): Promise<void> {
    try {
      const stored = await this.options.store.append(batch.rows);
      for (const m of batch.messages) m.ack();
      this.options.onStored?.(stored, batch.rows.length - stored);
    } catch (err) {
      this.failed ??= err as Error;
    }
  }

  /** toRow turns a stored stream message into a history row; undefined for one that is not a channel event. */
  private toRow(m: JsMsg, streamId: string): ChannelMessage | undefined {
    const tokens = m.subject.slice(this.options.prefix.length + '.log.'.length).split('.');
    if (tokens.length !== 2) return undefined;
    const message = decodeChannelMessage((name) => (m.headers?.has(name) ? m.headers.get(name) : undefined), m.data);
    if (message === undefined) return undefined;
    const item = historyItemOfFrame(message.frame);
    if (item === undefined) return undefined;
    return {
      app_id: asAppId(decodeToken(tokens[0]!)),
      channel: asChannelName(decodeToken(tokens[1]!)),
      serial: m.seq,
      stream_id: streamId,
      message_id: message.id ?? '',
      ...item,
      published_at_ms: Math.floor(Number(m.info.timestampNanos) / 1e6),
    };
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
