import type { BusMessage } from '../bus/bus.js';

/** Sequenced is a message from a stream with its place: its serial and the previous serial of its channel. */
export interface Sequenced {
  message: BusMessage;
  serial: number;
  /** previous is the serial of the channel's message before this one (0 for the first). */
  previous: number;
  /** at is when the stream stored it (ms since the epoch), when known. */
  at?: number;
}

/**
 * GapFetch reads a channel's stored messages with serials after `after`, oldest first, up to and including
 * `upTo` (all newer ones when undefined). It may return fewer (expired ones are gone); it throws while the
 * stream is unreachable.
 */
export type GapFetch = (after: number, upTo?: number) => Promise<Sequenced[]>;

/** GapFillerOptions are the hooks of one channel's filler. */
export interface GapFillerOptions {
  fetch: GapFetch;
  deliver: (message: BusMessage) => void;
  /** onFilled is told how many missing messages a fill delivered. */
  onFilled?: (count: number) => void;
  /**
   * onStreamReset runs when a message shows that the stream started over (the first message of its channel,
   * with a serial at or before the last delivered one); messages wait until it settles, then delivery restarts.
   */
  onStreamReset?: () => Promise<void>;
  /** stamp runs on each message as it is delivered (the bus writes the current stream id). */
  stamp?: (message: BusMessage) => void;
  /** retryMs is the wait before fetching again after a failed fetch. Default 250. */
  retryMs?: number;
}

/**
 * GapFiller delivers one channel's stream messages exactly once and in serial order. A message whose previous
 * serial is past the last one delivered reveals a gap (a dropped message, a resubscribe after a NATS restart):
 * the missing messages are fetched from the stream and delivered first, and messages arriving meanwhile wait.
 * `catchUp` fetches whatever is newer than the last delivered message (after a reconnect, when no later
 * message may come to reveal the gap). Messages at or before the last delivered serial are dropped.
 */
export class GapFiller {
  private last: number | undefined;
  private waiting: Sequenced[] = [];
  private filling = false;
  private closed = false;

  constructor(private readonly options: GapFillerOptions) {}

  /** offer takes a live message from the stream. */
  offer(item: Sequenced): void {
    if (this.closed) return;
    if (this.filling) {
      this.waiting.push(item);
      return;
    }
    if (this.last !== undefined && item.previous === 0 && item.serial <= this.last && this.options.onStreamReset !== undefined) {
      this.waiting.push(item);
      void this.restart(this.options.onStreamReset);
      return;
    }
    if (this.last === undefined || item.previous <= this.last) {
      this.accept(item);
      return;
    }
    this.waiting.push(item);
    void this.fill(item.serial - 1);
  }

  /** catchUp fetches and delivers every stored message newer than the last delivered one. */
  catchUp(): void {
    if (this.closed || this.filling || this.last === undefined) return;
    void this.fill(undefined);
  }

  /** reset forgets the last delivered serial (the stream started over); the next message is taken as it comes. */
  reset(): void {
    this.last = undefined;
  }

  /** close stops delivery and forgets waiting messages. */
  close(): void {
    this.closed = true;
    this.waiting = [];
  }

  /** pending counts messages waiting for a fill (leak checks). */
  pending(): number {
    return this.waiting.length;
  }

  private accept(item: Sequenced): void {
    if (this.last !== undefined && item.serial <= this.last) return;
    this.last = item.serial;
    this.options.stamp?.(item.message);
    this.options.deliver(item.message);
  }

  private async restart(settle: () => Promise<void>): Promise<void> {
    this.filling = true;
    try {
      await settle();
    } catch {
      // why: delivery goes on with what is known; a later message or reconnect settles the stream id.
    } finally {
      this.filling = false;
    }
    this.last = undefined;
    this.drain();
  }

  /** drain offers again, in serial order, what waited during a fill or a restart. */
  private drain(): void {
    const waiting = this.waiting.sort((a, b) => a.serial - b.serial);
    this.waiting = [];
    for (const item of waiting) this.offer(item);
  }

  private async fill(upTo: number | undefined): Promise<void> {
    this.filling = true;
    try {
      for (;;) {
        if (this.closed) return;
        try {
          const missing = await this.options.fetch(this.last ?? 0, upTo);
          let filled = 0;
          for (const item of missing) {
            if (this.closed) return;
            if (this.last !== undefined && item.serial <= this.last) continue;
            this.accept(item);
            filled++;
          }
          if (filled > 0) this.options.onFilled?.(filled);
          // why: what the stream no longer has (expired) is skipped, so the message that revealed the gap goes out.
          if (upTo !== undefined && (this.last === undefined || this.last < upTo)) this.last = upTo;
          break;
        } catch {
          await new Promise((r) => setTimeout(r, this.options.retryMs ?? 250));
        }
      }
    } finally {
      this.filling = false;
    }
    // why: what waited during the fill may itself reveal a further gap; offer it again in order.
    this.drain();
  }
}
