import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { App, AppMetrics, ChannelName, Member, SocketId, UserId } from '@sockudo-ts/shared';
import { encodeError } from '@sockudo-ts/shared';
import { closeReason, encodeTextFrame } from './frame.js';

/** ChannelState is a socket's view of one of its channels. */
export interface ChannelState {
  /** active is false until subscription_succeeded has been sent. */
  active: boolean;
  /** member is the presence member this socket joined as. */
  member?: Member;
}

/**
 * WriteBatcher coalesces the frames written to one socket in one tick into one kernel write: sockets with
 * queued frames are flushed once, from setImmediate, after every bus message of the tick was delivered.
 */
export class WriteBatcher {
  private queued: Connection[] = [];
  private scheduled = false;

  constructor(private readonly maxBufferedBytes: number, private readonly onSlow: (conn: Connection) => void) {}

  /** add marks a socket as having frames queued this tick (called once per socket per tick). */
  add(conn: Connection): void {
    this.queued.push(conn);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** flush writes every queued socket's frames and closes those whose unsent bytes exceed the limit. */
  readonly flush = (): void => {
    this.scheduled = false;
    const list = this.queued;
    this.queued = [];
    for (const conn of list) {
      conn.flush();
      if (conn.bufferedBytes() > this.maxBufferedBytes) this.onSlow(conn);
    }
  };
}

/**
 * Connection is one Pusher socket: identity, app, subscriptions, sign-in and liveness. Frames are written
 * straight to the TCP socket, queued per tick and sent in one write, so that a broadcast frame is built
 * once for all sockets.
 */
export class Connection {
  readonly channels = new Map<ChannelName, ChannelState>();
  userId?: UserId;
  /** userData is the exact signed user_data string of a signed-in socket. */
  userData?: string;
  watchlist?: UserId[];
  /** watchlistQueue holds watchlist notices that arrive while the initial watchlist state is being read. */
  watchlistQueue?: string[];
  lastActivity: number;
  /** pingSentAt is when the server sent pusher:ping; zero when no ping is outstanding. */
  pingSentAt = 0;
  /** authorized is true once the socket signed in or joined a private/presence channel. */
  authorized = false;
  readonly connectedAt: number;
  clientEventWindow = 0;
  clientEventCount = 0;
  closed = false;
  /** work serializes the handling of this socket's frames. */
  work: Promise<void> = Promise.resolve();
  /** head and rest are the frames queued this tick; why: no array for the common single frame. */
  private head: Buffer | undefined;
  private rest: Buffer[] | undefined;
  private readonly raw: Socket;

  constructor(
    readonly id: SocketId,
    readonly app: App,
    readonly ws: WebSocket,
    readonly metrics: AppMetrics,
    private readonly batcher: WriteBatcher,
  ) {
    this.raw = (ws as unknown as { _socket: Socket })._socket;
    this.connectedAt = this.lastActivity = Date.now();
  }

  /** writeFrame queues a pre-built WebSocket frame; it leaves with the other frames of this tick. */
  writeFrame(frame: Buffer): void {
    if (this.closed) return;
    if (this.head === undefined) {
      this.head = frame;
      this.batcher.add(this);
    } else {
      (this.rest ??= []).push(frame);
    }
  }

  /**
   * flush writes the frames queued this tick: one frame as is, several joined into one buffer.
   * why: a plain write skips the stream's cork/uncork buffering and writev path, per socket and frame.
   */
  flush(): void {
    const head = this.head;
    if (head === undefined) return;
    const rest = this.rest;
    this.head = this.rest = undefined;
    if (this.raw.destroyed) return;
    this.raw.write(rest === undefined ? head : join(head, rest));
  }

  /** send writes one frame built from text and counts it. */
  send(text: string): void {
    if (this.closed) return;
    const frame = encodeTextFrame(text);
    this.writeFrame(frame);
    this.metrics.messagesSent.inc();
    this.metrics.bytesSent.inc(frame.length);
  }

  /** sendError sends `pusher:error` without closing. */
  sendError(code: number | null, message: string, channel?: string): void {
    this.send(encodeError(code, message, channel));
  }

  /** close sends `pusher:error` with the code when given a message, then closes with that code. */
  close(code: number, message: string, sendError = true): void {
    if (this.closed) return;
    if (sendError) this.sendError(code, message);
    this.closed = true;
    this.flush();
    closeThenCut(this.ws, code, message);
  }

  /** terminate drops the TCP connection at once (slow consumers). */
  terminate(): void {
    this.closed = true;
    this.ws.terminate();
  }

  /** bufferedBytes is how much written data the kernel has not taken yet. */
  bufferedBytes(): number {
    return this.raw.writableLength;
  }
}

/** CLOSE_GRACE_MS is how long a closed socket may take to answer the close before it is cut. */
const CLOSE_GRACE_MS = 2000;

/**
 * closeThenCut starts the WebSocket closing handshake with a Pusher code and a reason cut to fit, and drops
 * the TCP connection if the peer has not answered within CLOSE_GRACE_MS.
 * why: a peer that never reads would hold the socket (and its buffers) open.
 */
export function closeThenCut(ws: WebSocket, code: number, message: string): void {
  ws.close(code, closeReason(message));
  setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
}

/** join copies frames into one buffer, in order. */
function join(head: Buffer, rest: Buffer[]): Buffer {
  let length = head.length;
  for (const f of rest) length += f.length;
  const out = Buffer.allocUnsafe(length);
  head.copy(out, 0);
  let offset = head.length;
  for (const f of rest) offset += f.copy(out, offset);
  return out;
}
