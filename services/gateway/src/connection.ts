import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { App, AppMetrics, ChannelName, Member, SocketId, SocketSnapshot, StreamPosition, UserId } from '@sockudo-ts/shared';
import { atTurnEnd, encodeError, toV2Prefix } from '@sockudo-ts/shared';
import { closeReason, encodeTextFrame } from './frame.js';
import { SerialQueue, type SerialTask } from './serial-queue.js';

/** ChannelState is a socket's view of one of its channels. */
export interface ChannelState {
  /** active is false until subscription_succeeded has been sent. */
  readonly active: boolean;
  /** member is the presence member this socket joined as. */
  readonly member?: Member;
}

/**
 * MAX_QUEUED_FRAMES is how many of a socket's frames may wait for their handler before the gateway stops
 * reading from that socket; it reads again once the backlog is handled.
 * why: without it a client could pile up frames in memory faster than a remote presence answers.
 */
export const MAX_QUEUED_FRAMES = 256;

/**
 * WriteBatcher coalesces the frames written to one socket in one tick into one kernel write: sockets with
 * queued frames are flushed once, at the end of the turn (`atTurnEnd('frames')`, after the turn's HTTP answers),
 * after every bus message of the tick was delivered.
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
      atTurnEnd('frames', this.flush);
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

  /** size is the number of sockets waiting for the next flush (leak checks). */
  size(): number {
    return this.queued.length;
  }
}

/**
 * Connection is one Pusher socket: identity, app, subscriptions, sign-in, authorization, liveness and the
 * queue its frames are handled in. Frames are written straight to the TCP socket, queued per tick and sent
 * in one write, so that a broadcast frame is built once for all sockets.
 */
export class Connection {
  /** connectedAt is when the socket was admitted (ms since the epoch). */
  readonly connectedAt: number;
  private readonly channels = new Map<ChannelName, { active: boolean; member?: Member }>();
  private user?: { id: UserId; data: string };
  private watching: readonly UserId[] = NO_USERS;
  /** heldNotices holds watchlist notices that arrive while the initial watchlist state is being read. */
  private heldNotices?: string[];
  private lastActivity: number;
  /** pingSentAt is when the server sent pusher:ping; zero when no ping is outstanding. */
  private pingSentAt = 0;
  private authorized = false;
  private v2: boolean;
  /** armed holds resume positions for channels the socket will subscribe to (see armResume). */
  private armed?: Map<ChannelName, StreamPosition>;
  private rateWindow = 0;
  private rateCount = 0;
  /** frameTokens and frameRefilledAt are the token bucket of `takeFrameToken`; NaN until the first frame. */
  private frameTokens = Number.NaN;
  private frameRefilledAt = 0;
  private resubscribes = 0;
  private closed = false;
  private paused = false;
  /** deaf is set by stopReading: the socket is never read again. */
  private deaf = false;
  private readonly work: SerialQueue<Connection>;
  /** head and rest are the frames queued this tick; why: no array for the common single frame. */
  private head: Buffer | undefined;
  private rest: Buffer[] | undefined;
  private readonly raw: Socket;

  /**
   * @param onTaskError is told when a task of this socket's queue failed (to answer the client).
   */
  constructor(
    readonly id: SocketId,
    readonly app: App,
    private readonly ws: WebSocket,
    readonly metrics: AppMetrics,
    private readonly batcher: WriteBatcher,
    onTaskError: (conn: Connection, err: unknown) => void,
    protocol = 7,
  ) {
    this.v2 = this.nativeV2 = protocol === 2;
    this.raw = (ws as unknown as { _socket: Socket })._socket;
    this.connectedAt = this.lastActivity = Date.now();
    this.work = new SerialQueue<Connection>(this, onTaskError, readAgain);
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

  /** send writes one frame built from text and counts it (with V2 event names on a native V2 socket). */
  send(text: string): void {
    if (this.closed) return;
    const frame = encodeTextFrame(this.nativeV2 ? toV2Prefix(text) : text);
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

  /**
   * markClosed records that the socket is gone: nothing is written to it any more, the frames queued for
   * this tick are let go, and the frames still waiting for their handler are dropped (the one running
   * finishes).
   */
  markClosed(): void {
    this.closed = true;
    this.head = this.rest = undefined;
    this.work.clear();
  }

  /** isClosed is true once the socket is closing or closed, by either side. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** bufferedBytes is how much written data the kernel has not taken yet. */
  bufferedBytes(): number {
    return this.raw.writableLength;
  }

  /**
   * enqueue runs a task after every task enqueued before it (frame handlers and the cleanup at close).
   * Past MAX_QUEUED_FRAMES waiting tasks the socket is not read until the backlog is handled.
   */
  enqueue(task: SerialTask): void {
    this.work.push(task);
    if (!this.paused && this.work.length > MAX_QUEUED_FRAMES) {
      this.paused = true;
      this.ws.pause();
    }
  }

  /** idle resolves once every task enqueued so far has finished. */
  idle(): Promise<void> {
    return this.work.idle();
  }

  /** queuedTasks counts the tasks of this socket not finished yet (leak checks and tests). */
  get queuedTasks(): number {
    return this.work.length;
  }

  /** touch records activity from the peer: any frame, ping or pong; an outstanding ping is answered. */
  touch(now = Date.now()): void {
    this.lastActivity = now;
    this.pingSentAt = 0;
  }

  /** pingDue is true when the socket was silent for `activityMs` and no ping is outstanding; it marks the ping sent. */
  pingDue(now: number, activityMs: number): boolean {
    if (this.pingSentAt > 0 || now - this.lastActivity <= activityMs) return false;
    this.pingSentAt = now;
    return true;
  }

  /** pongOverdue is true when a ping has been outstanding for more than `pongMs`. */
  pongOverdue(now: number, pongMs: number): boolean {
    return this.pingSentAt > 0 && now - this.pingSentAt > pongMs;
  }

  /** authorize records that the socket signed in or joined a private or presence channel. */
  authorize(): void {
    this.authorized = true;
  }

  /** isAuthorized is true once `authorize` was called. */
  get isAuthorized(): boolean {
    return this.authorized;
  }

  /** authorizationOverdue is true when the app wants authorized sockets and this one took longer than `timeoutMs`. */
  authorizationOverdue(now: number, timeoutMs: number): boolean {
    return this.app.enable_authorized_connections && !this.authorized && now - this.connectedAt > timeoutMs;
  }

  /**
   * takeClientEventSlot counts a client event against `limit` per second (wall-clock seconds) and says
   * whether it is allowed. Zero or less means no limit.
   */
  takeClientEventSlot(limit: number, now = Date.now()): boolean {
    if (limit <= 0) return true;
    const second = Math.floor(now / 1000);
    if (this.rateWindow !== second) {
      this.rateWindow = second;
      this.rateCount = 0;
    }
    this.rateCount++;
    return this.rateCount <= limit;
  }

  /**
   * takeFrameToken counts one incoming frame against a token bucket that holds `burst` frames and refills at
   * `perSecond`; false when the socket is sending faster than that. Zero or less `perSecond` means no limit.
   */
  takeFrameToken(perSecond: number, burst: number, now: number): boolean {
    if (perSecond <= 0) return true;
    if (Number.isNaN(this.frameTokens)) {
      this.frameTokens = burst;
    } else {
      this.frameTokens = Math.min(burst, this.frameTokens + ((now - this.frameRefilledAt) * perSecond) / 1000);
    }
    this.frameRefilledAt = now;
    if (this.frameTokens < 1) return false;
    this.frameTokens -= 1;
    return true;
  }

  /** takeResubscribe counts one re-subscribe to a presence channel; false once `limit` were taken. */
  takeResubscribe(limit: number): boolean {
    if (this.resubscribes >= limit) return false;
    this.resubscribes++;
    return true;
  }

  /** subscriptionCount is how many channels the socket is on or joining. */
  get subscriptionCount(): number {
    return this.channels.size;
  }

  /** subscription is this socket's state on a channel, or undefined when it is not subscribed. */
  subscription(channel: ChannelName): ChannelState | undefined {
    return this.channels.get(channel);
  }

  /** beginSubscription records a pending subscription (not active until `confirmSubscription`). */
  beginSubscription(channel: ChannelName, member?: Member): void {
    this.channels.set(channel, member === undefined ? { active: false } : { active: false, member });
  }

  /** confirmSubscription marks a pending subscription active (subscription_succeeded is being sent). */
  confirmSubscription(channel: ChannelName): void {
    const state = this.channels.get(channel);
    if (state !== undefined) state.active = true;
  }

  /** endSubscription forgets a channel; false when the socket was not on it. */
  endSubscription(channel: ChannelName): boolean {
    return this.channels.delete(channel);
  }

  /** takeSubscriptions forgets every channel and returns their names (cleanup at close). */
  takeSubscriptions(): ChannelName[] {
    const names = [...this.channels.keys()];
    this.channels.clear();
    return names;
  }

  /** userId is the signed-in user, if any. */
  get userId(): UserId | undefined {
    return this.user?.id;
  }

  /** userData is the exact signed user_data string of a signed-in socket. */
  get userData(): string | undefined {
    return this.user?.data;
  }

  /** signIn records the socket's user and the exact user_data it signed; a signed-in socket is authorized. */
  signIn(userId: UserId, userData: string): void {
    this.user = { id: userId, data: userData };
    this.authorized = true;
  }

  /** watchlist is the users this socket gets online/offline notices for (empty when none). */
  get watchlist(): readonly UserId[] {
    return this.watching;
  }

  /**
   * startWatching records the watchlist and holds notices back until `releaseWatchlistNotices`, so that
   * the initial state (being read) goes out before any newer notice.
   */
  startWatching(userIds: readonly UserId[]): void {
    this.watching = userIds;
    this.heldNotices = [];
  }

  /** sendWatchlistNotice sends a watchlist notice, or holds it while the initial state is being read. */
  sendWatchlistNotice(text: string): void {
    if (this.heldNotices !== undefined) this.heldNotices.push(text);
    else this.send(text);
  }

  /** releaseWatchlistNotices sends the notices held since `startWatching`, in order, and stops holding. */
  releaseWatchlistNotices(): void {
    const held = this.heldNotices;
    this.heldNotices = undefined;
    for (const text of held ?? []) this.send(text);
  }

  /**
   * nativeV2 is true for a socket that connected with `?protocol=2`: it gets Sockudo's V2 event names
   * (`sockudo:*`, `sockudo_internal:*`) instead of Pusher's. A socket that opted in with `sockudo:enable_v2`
   * (pusher-js) keeps Pusher's names.
   */
  readonly nativeV2: boolean;

  /** isV2 is true for a socket that speaks Sockudo's V2 (`?protocol=2`, or opted in with `sockudo:enable_v2`). */
  get isV2(): boolean {
    return this.v2;
  }

  /** enableV2 opts the socket in to V2: its broadcasts carry serial, stream_id and message_id from now on. */
  enableV2(): void {
    this.v2 = true;
  }

  /**
   * armResume keeps a resume position for a channel the socket has not subscribed yet; the subscribe replays
   * from it. At most MAX_ARMED_POSITIONS are kept; false when over that.
   */
  armResume(channel: ChannelName, position: StreamPosition): boolean {
    const armed = (this.armed ??= new Map());
    if (!armed.has(channel) && armed.size >= MAX_ARMED_POSITIONS) return false;
    armed.set(channel, position);
    return true;
  }

  /** takeArmedResume returns and forgets the resume position kept for a channel, if any. */
  takeArmedResume(channel: ChannelName): StreamPosition | undefined {
    const position = this.armed?.get(channel);
    if (position !== undefined) this.armed!.delete(channel);
    return position;
  }

  /** snapshot lists this socket for the presence service: its user and its confirmed channels. */
  snapshot(): SocketSnapshot {
    const channels: SocketSnapshot['channels'] = [];
    for (const [channel, state] of this.channels) {
      if (state.active) channels.push(state.member ? { channel, member: state.member } : { channel });
    }
    const user = this.user;
    return user === undefined
      ? { appId: this.app.id, socketId: this.id, channels }
      : { appId: this.app.id, socketId: this.id, userId: user.id, channels };
  }

  /**
   * stopReading reads nothing more from the socket (it is being closed for flooding): what the peer still sends
   * stays in the kernel instead of being parsed and dropped until the close completes or is cut.
   */
  stopReading(): void {
    this.deaf = true;
    this.ws.pause();
  }

  /** resumeReading reads the socket again after `enqueue` paused it; called when its queue ran dry. */
  resumeReading(): void {
    if (!this.paused || this.deaf) return;
    this.paused = false;
    this.ws.resume();
  }
}

/** MAX_ARMED_POSITIONS bounds the resume positions one socket may keep for channels it has not subscribed yet. */
export const MAX_ARMED_POSITIONS = 100;

/** NO_USERS is the watchlist of every socket that watches nobody. */
const NO_USERS: readonly UserId[] = Object.freeze([]);

/** readAgain is a socket queue's onIdle callback. */
function readAgain(conn: Connection): void {
  conn.resumeReading();
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
