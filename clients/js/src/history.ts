/** HistoryDirection orders a history page: newest first (the server's default) or oldest first. */
export type HistoryDirection = 'newest_first' | 'oldest_first';

/**
 * HistoryQuery asks for one page of a channel's history, with the fields of `GET .../channels/{channel}/history`:
 * `limit` (default 100, at most 1000), `direction`, `cursor` (the previous page's `next_cursor`, with the same
 * direction and bounds), `stream_id` (a stream of the channel other than its newest) and inclusive serial and
 * time bounds (milliseconds since the epoch).
 */
export interface HistoryQuery {
  limit?: number;
  direction?: HistoryDirection;
  cursor?: string;
  stream_id?: string;
  start_serial?: number;
  end_serial?: number;
  start_time_ms?: number;
  end_time_ms?: number;
}

/** HistoryItem is one stored event, as the history API answers it (`data` exactly as published, a string). */
export interface HistoryItem {
  serial: number;
  stream_id: string;
  message_id: string;
  event: string;
  data: string;
  published_at_ms: number;
  /** user_id is the sender of a client event on a presence channel (absent on other events), as in its live frame. */
  user_id?: string;
}

/** HistoryPage is one page of a channel's history; `next_cursor` is null on the last page. */
export interface HistoryPage {
  items: HistoryItem[];
  direction: HistoryDirection;
  limit: number;
  has_more: boolean;
  next_cursor: string | null;
}

/** HistoryError is a history read the server refused (`code` is its Pusher error code) or that got no answer. */
export class HistoryError extends Error {
  override readonly name = 'HistoryError';

  constructor(
    message: string,
    /** code is the server's Pusher error code (4300 for a refused read); null when no answer came in time. */
    readonly code: number | null,
  ) {
    super(message);
  }
}

/** CHANNEL_ERROR is the Pusher error code the server refuses a history read with. */
const CHANNEL_ERROR = 4300;

/** DEFAULT_HISTORY_TIMEOUT_MS is how long a history read waits for its answer before it fails. */
export const DEFAULT_HISTORY_TIMEOUT_MS = 10_000;

interface Pending {
  channel: string;
  resolve(page: HistoryPage): void;
  reject(err: HistoryError): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Frame is a server frame as read from the socket. */
interface Frame {
  event?: unknown;
  channel?: unknown;
  data?: unknown;
}

/**
 * HistoryRequests matches `sockudo:channel_history` reads with their answers: each request carries a request id
 * the server echoes in its page; a refusal (`pusher:error`, which carries the channel but no request id) fails the
 * oldest read of that channel still waiting.
 */
export class HistoryRequests {
  private readonly pending = new Map<string, Pending>();
  private next = 0;
  private readonly prefix = Math.random().toString(36).slice(2, 8);

  /** waiting says whether a frame's text may answer a read (so that it is worth parsing). */
  waiting(text: string): boolean {
    return this.pending.size > 0 && (text.includes('sockudo:channel_history') || text.includes(':error'));
  }

  /**
   * request sends a read with `send` and resolves with the page; it rejects with HistoryError when the server
   * refuses it, when `send` cannot send, or after `timeoutMs` without an answer.
   */
  request(send: (data: Record<string, unknown>) => boolean, channel: string, query: HistoryQuery, timeoutMs: number): Promise<HistoryPage> {
    const requestId = `${this.prefix}-${++this.next}`;
    return new Promise<HistoryPage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new HistoryError(`no answer to the history read of ${channel} within ${timeoutMs} ms`, null));
      }, timeoutMs);
      this.pending.set(requestId, { channel, resolve, reject, timer });
      if (!send({ ...query, channel, request_id: requestId })) this.settle(requestId, new HistoryError('the connection is not open', null));
    });
  }

  /** observe reads a server frame; an answer or refusal of a waiting read settles it. */
  observe(frame: Frame): void {
    if (this.pending.size === 0) return;
    if (frame.event === 'sockudo:channel_history') {
      const page = parseData(frame.data) as (HistoryPage & { request_id?: unknown }) | undefined;
      if (page === undefined || typeof page.request_id !== 'string' || !this.pending.has(page.request_id)) return;
      const { request_id: id, ...rest } = page;
      this.settle(id as string, rest);
    } else if (frame.event === 'pusher:error' || frame.event === 'sockudo:error') {
      const error = parseData(frame.data) as { code?: unknown; message?: unknown } | undefined;
      // why: the server refuses a read with 4300 (channel error); other errors are about other things.
      if (error?.code !== CHANNEL_ERROR) return;
      const message = typeof error.message === 'string' ? error.message : 'history read refused';
      // why: a refusal names the channel, not the request; without a channel it can only be about the socket
      // (not V2), which concerns every read, oldest first.
      if (typeof frame.channel !== 'string' && !message.includes('channel_history')) return;
      const oldest = [...this.pending].find(([, p]) => typeof frame.channel !== 'string' || p.channel === frame.channel);
      if (oldest !== undefined) this.settle(oldest[0], new HistoryError(message, CHANNEL_ERROR));
    }
  }

  private settle(id: string, outcome: HistoryPage | HistoryError): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (outcome instanceof HistoryError) pending.reject(outcome);
    else pending.resolve(outcome);
  }
}

/** parseData reads a frame's data, which the server sends JSON-encoded in a string. */
function parseData(data: unknown): unknown {
  if (typeof data !== 'string') return data ?? undefined;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}
