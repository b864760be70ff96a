import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  CloseCode,
  encodeError,
  DependencyUnavailable,
  LogThrottle,
  PusherError,
  encodeInternal,
  toV2Prefix,
  newSocketId,
  originAllowed,
  retryAfterSeconds,
  parseClientFrame,
  type App,
  type AppStore,
  type Bus,
  type ChannelPublisher,
  type ControlMessage,
  type Logger,
  type Metrics,
  type NodeId,
  type NodeSnapshot,
  type Presence,
  type RateLimits,
  type Service,
  type WebhookSink,
} from '@sockudo-ts/shared';
import { Connection, WriteBatcher, closeThenCut } from './connection.js';
import type { GatewayContext, GatewayRecovery, GatewaySettings } from './context.js';
import { handlerFor } from './handlers/index.js';
import { parseHandshake } from './handshake.js';
import { LocalChannels, type LocalChannelSizes } from './local-channels.js';
import { UserIndex, type UserIndexSizes } from './users.js';

/** GatewayDeps are the ports and settings a gateway is composed from. */
export interface GatewayDeps {
  config: GatewaySettings;
  apps: AppStore;
  bus: Bus;
  presence: Presence;
  webhooks: WebhookSink;
  metrics: Metrics;
  logger: Logger;
  nodeId: NodeId;
  /** publisher sends client events to their channels and reads cache channels (one pipeline with the HTTP API). */
  publisher: ChannelPublisher;
  /** limits are the rate limiter's connect and per-address limits; absent while the rate limiter is off. */
  limits?: RateLimits;
  /** recovery answers resume and rewind; without it V2 sockets get no replays. */
  recovery?: GatewayRecovery;
}

/** GatewaySizes counts every per-socket, per-channel and per-user collection of a gateway (leak checks). */
export interface GatewaySizes {
  /** connections counts open sockets. */
  connections: number;
  /** closing counts closed sockets whose cleanup (leaving channels and presence) has not finished. */
  closing: number;
  /** admitting counts handshakes past the node cap check that are not open sockets yet. */
  admitting: number;
  /** writeQueue counts sockets waiting for the next write batch. */
  writeQueue: number;
  /** queuedFrames counts frames of open sockets waiting for (or in) their handler. */
  queuedFrames: number;
  channels: LocalChannelSizes;
  users: UserIndexSizes;
}

/** SWEEP_INTERVAL_MS is how often the liveness sweep runs. */
const SWEEP_INTERVAL_MS = 1000;
/** TERMINATED_CLEANUP_MS bounds how long stop waits for the cleanup of sockets it had to cut. */
const TERMINATED_CLEANUP_MS = 1000;

/**
 * Gateway owns WebSocket connections: the handshake, the socket lifecycle, frame dispatch (each socket's
 * frames handled strictly in arrival order by the handlers in handlers/), control messages, liveness and
 * shutdown. Attach it to an HTTP server's `upgrade` event with `handleUpgrade`.
 */
export class Gateway implements Service {
  readonly name = 'gateway';
  private readonly connections = new Set<Connection>();
  private readonly closing = new Set<Connection>();
  private readonly local: LocalChannels;
  private readonly users = new UserIndex();
  private readonly batcher: WriteBatcher;
  private readonly ctx: GatewayContext;
  private readonly wss: WebSocketServer;
  /** refusalLog keeps a dependency outage to one handshake-refused line per 10 s (with the count left out). */
  private readonly refusalLog = new LogThrottle();
  private sweeper?: NodeJS.Timeout;
  private stopping = false;
  /** admitting counts handshakes past the node cap check that are not in `connections` yet. */
  private admitting = 0;

  constructor(private readonly deps: GatewayDeps) {
    const { config, metrics, logger } = deps;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: config.websocket.max_payload_kb * 1024,
    });
    this.local = new LocalChannels(deps.bus, (appId, frames, bytes) => {
      const m = metrics.app(appId);
      m.messagesSent.inc(frames);
      m.bytesSent.inc(bytes);
    });
    this.batcher = new WriteBatcher(config.websocket.max_buffered_bytes, (conn) => {
      metrics.slowConsumers.inc();
      logger.debug({ socket_id: conn.id, app_id: conn.app.id }, 'slow consumer closed');
      conn.close(CloseCode.OverCapacity, 'Slow consumer: send buffer full', false);
    });
    this.ctx = {
      channels: this.local,
      users: this.users,
      presence: deps.presence,
      publisher: deps.publisher,
      webhooks: deps.webhooks,
      settings: config,
      logger,
      limited: (limit) => metrics.limited.inc({ limit }),
      recoveryMetrics: metrics,
      ...(deps.recovery === undefined ? {} : { recovery: deps.recovery }),
    };
    deps.bus.onControl((m) => this.onControl(m));
  }

  /** start begins the liveness sweep (once a second). */
  async start(): Promise<void> {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** handleUpgrade takes an HTTP upgrade request for `/app/{key}` and runs the Pusher handshake on it. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // why: a module-level listener; a closure here would share this scope's context, which holds `req`,
    // and so keep the upgrade request and its headers alive for the socket's whole life.
    socket.on('error', destroyOnError);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.pause();
      this.admit(req, ws).catch((err: unknown) => {
        if (err instanceof DependencyUnavailable) {
          const logged = this.refusalLog.pass(err.dependency);
          if (logged !== undefined) {
            this.deps.logger.warn(
              { dependency: err.dependency, reason: err.message, ...(err.detail === undefined ? {} : { detail: err.detail }), ...(logged.suppressed > 0 ? { refusals_not_logged: logged.suppressed } : {}) },
              'handshake refused: dependency unavailable',
            );
          }
          refuse(ws, CloseCode.OverCapacity, `Service temporarily unavailable (${err.dependency}), retry later`);
          return;
        }
        this.deps.logger.error({ err }, 'handshake failed');
        refuse(ws, 4200, 'Internal error, reconnect');
      });
    });
  }

  /** snapshot lists what this gateway holds for the presence service: every open socket with its user and confirmed channels. */
  snapshot(): NodeSnapshot {
    const sockets = [];
    for (const conn of this.connections) sockets.push(conn.snapshot());
    return { nodeId: this.deps.nodeId, sockets };
  }

  /** sizes counts every collection the gateway keeps per socket, channel and user; all zero when idle. */
  sizes(): GatewaySizes {
    return {
      connections: this.connections.size,
      closing: this.closing.size,
      admitting: this.admitting,
      writeQueue: this.batcher.size(),
      queuedFrames: this.queuedFrames(),
      channels: this.local.sizes(),
      users: this.users.sizes(),
    };
  }

  private queuedFrames(): number {
    let n = 0;
    for (const conn of this.connections) n += conn.queuedTasks;
    return n;
  }

  /**
   * stop refuses new sockets, closes every socket with 4200 (reconnect now), and resolves when they are
   * gone and cleaned up or the grace period (ms) has passed, whichever is first; sockets still open then
   * are cut.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeper);
    for (const conn of this.connections) conn.close(CloseCode.ReconnectNow, 'Server shutting down, reconnect');
    this.batcher.flush();
    await this.settled(Date.now() + graceMs);
    for (const conn of this.connections) conn.terminate();
    await this.settled(Date.now() + TERMINATED_CLEANUP_MS);
    this.wss.close();
  }

  private async settled(deadline: number): Promise<void> {
    while ((this.connections.size > 0 || this.closing.size > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  private async admit(req: IncomingMessage, ws: WebSocket): Promise<void> {
    const { apps, config, metrics, limits } = this.deps;
    let app: App | undefined;
    let protocol = 7;
    let release: (() => void) | undefined;
    try {
      if (this.stopping) throw new PusherError(CloseCode.ReconnectNow, 'Server is shutting down');
      if (limits !== undefined) release = await this.holdAddress(limits, req);
      const handshake = parseHandshake(req.url ?? '/');
      const { appKey } = handshake;
      protocol = handshake.protocol;
      app = await apps.byKey(appKey);
      if (app === undefined) throw new PusherError(CloseCode.AppNotFound, `App key ${appKey.slice(0, 64)} not in this cluster`);
      if (!app.enabled) throw new PusherError(CloseCode.AppDisabled, 'App is disabled');
      if (!originAllowed(app, req.headers.origin)) throw new PusherError(CloseCode.Unauthorized, 'Origin not allowed');
      const cap = config.websocket.max_connections;
      if (cap > 0 && this.connections.size + this.admitting >= cap) throw new PusherError(CloseCode.OverCapacity, 'Server over capacity');
    } catch (err) {
      release?.();
      if (!(err instanceof PusherError)) throw err;
      metrics.refusals.inc({ code: String(err.code) });
      refuse(ws, err.code, err.message, protocol);
      return;
    }
    // why: presence.connect may await a remote store; hold the node slot meanwhile so a burst cannot overshoot the cap.
    this.admitting++;
    let opened = false;
    try {
      opened = await this.open(app, ws, protocol, release);
    } finally {
      this.admitting--;
      if (!opened) release?.();
    }
  }

  /**
   * holdAddress applies the rate limiter to a handshake: the connect rate of its client address (4100 with
   * the seconds to wait) and the sockets that address holds here (4100). Returns the held slot's release.
   */
  private async holdAddress(limits: RateLimits, req: IncomingMessage): Promise<() => void> {
    const address = limits.socketAddress(req.socket.remoteAddress, req.headers['x-forwarded-for']);
    // why: a unix socket peer without a trusted X-Forwarded-For names no client; counting all of them as one would cap the server.
    if (address === undefined) return noRelease;
    const decision = await limits.socketConnect(address);
    if (decision !== undefined && !decision.allowed) {
      throw new PusherError(CloseCode.OverCapacity, `Too many connections from your address; retry in ${retryAfterSeconds(decision)} s`);
    }
    const release = await limits.holdConnection(address);
    if (release === undefined) throw new PusherError(CloseCode.OverCapacity, 'Too many open connections from your address');
    return release;
  }

  /** open admits the socket (app quota, socket id) and serves it; false when it was refused or already gone. */
  private async open(app: App, ws: WebSocket, protocol: number, release: (() => void) | undefined): Promise<boolean> {
    const { config, presence, metrics, nodeId } = this.deps;
    let socketId = newSocketId();
    let admitted = await presence.connect(app.id, socketId, nodeId);
    // why: ids are random; presence checks them cluster-wide, and a clash only costs a new draw.
    for (let i = 0; i < 3 && admitted === 'taken'; i++) admitted = await presence.connect(app.id, (socketId = newSocketId()), nodeId);
    if (admitted !== 'added') {
      metrics.refusals.inc({ code: String(CloseCode.AppOverQuota) });
      refuse(ws, CloseCode.AppOverQuota, 'App over connection quota', protocol);
      return false;
    }
    if (ws.readyState !== ws.OPEN) {
      await presence.disconnect(app.id, socketId);
      return false;
    }
    const m = metrics.app(app.id);
    const conn = new Connection(socketId, app, ws, m, this.batcher, this.failed, protocol);
    this.connections.add(conn);
    m.connected.inc();
    m.newConnections.inc();
    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    const touch = (): void => conn.touch();
    ws.on('ping', touch);
    ws.on('pong', touch);
    ws.on('error', ignore);
    ws.on('close', () => {
      release?.();
      this.onClose(conn);
    });
    conn.send(encodeInternal('pusher:connection_established', { socket_id: socketId, activity_timeout: config.activity_timeout }));
    ws.resume();
    return true;
  }

  /**
   * onMessage dispatches a frame to its handler through the socket's queue: every frame, a ping and a
   * malformed frame included, is answered in arrival order.
   */
  private onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    // why: frames that arrive after the socket started closing would only queue work for a gone socket.
    if (conn.isClosed) return;
    const now = Date.now();
    conn.touch(now);
    const { max_frames_per_second: perSecond, frame_burst: burst } = this.deps.config.websocket;
    if (!conn.takeFrameToken(perSecond, burst, now)) {
      this.deps.metrics.limited.inc({ limit: 'frame_rate' });
      conn.close(CloseCode.OverCapacity, `Too many frames: more than ${perSecond}/s, reconnect later`);
      // why: a flooding peer keeps writing until the close is cut (CLOSE_GRACE_MS); parsing all of that only to
      // drop it took the event loop from every other socket (npm run bench -- --scenarios abuse, frame-flood).
      conn.stopReading();
      return;
    }
    const buf = data as Buffer;
    conn.metrics.messagesReceived.inc();
    conn.metrics.bytesReceived.inc(buf.length);
    if (isBinary) {
      conn.enqueue(() => conn.sendError(null, 'Binary frames are not supported; send JSON text frames'));
      return;
    }
    const frame = parseClientFrame(buf.toString('utf8'));
    if (frame === undefined) {
      conn.enqueue(() => conn.sendError(null, 'Invalid frame: expected a JSON object with a string "event"'));
      return;
    }
    const handler = handlerFor(frame.event);
    if (handler === undefined) return;
    // why: frames still queued when the socket closes are dropped; joining channels for a gone socket
    // would only announce it to others.
    conn.enqueue(() => (conn.isClosed ? undefined : handler(this.ctx, conn, frame)));
  }

  /** failed answers a frame whose handler threw: retry later for a dependency outage, internal error otherwise. */
  private readonly failed = (conn: Connection, err: unknown): void => {
    if (err instanceof DependencyUnavailable) {
      this.deps.logger.warn({ dependency: err.dependency, reason: err.message, socket_id: conn.id, app_id: conn.app.id }, 'frame not handled: dependency unavailable');
      conn.sendError(null, `Service temporarily unavailable (${err.dependency}), retry later`);
      return;
    }
    this.deps.logger.error({ err, socket_id: conn.id, app_id: conn.app.id }, 'frame handler failed');
    conn.sendError(null, 'Internal error while handling the frame');
  };

  private onClose(conn: Connection): void {
    conn.markClosed();
    if (!this.connections.delete(conn)) return;
    this.closing.add(conn);
    conn.metrics.connected.dec();
    conn.metrics.disconnections.inc();
    // why: after the handler in flight, so that whatever it joined is left too.
    conn.enqueue(async () => {
      try {
        for (const channel of conn.takeSubscriptions()) this.local.remove(conn.app.id, channel, conn);
        this.users.remove(conn);
        await this.deps.presence.disconnect(conn.app.id, conn.id);
      } finally {
        this.closing.delete(conn);
      }
    });
  }

  private onControl(message: ControlMessage): void {
    if (message.type === 'terminate_user') {
      for (const conn of this.users.socketsOf(message.appId, message.userId)) {
        conn.close(CloseCode.Unauthorized, 'Connection terminated by the server');
      }
    } else if (message.type === 'user_presence') {
      this.users.notifyWatchers(message.appId, message.userId, message.online);
    }
  }

  /** sweep pings silent sockets, closes those that did not answer (4201) and unauthorized ones (4009). */
  private sweep(): void {
    const { config } = this.deps;
    const now = Date.now();
    const activityMs = config.activity_timeout * 1000;
    const pongMs = config.pong_timeout * 1000;
    const authMs = config.user_authentication_timeout * 1000;
    for (const conn of this.connections) {
      if (conn.pongOverdue(now, pongMs)) conn.close(CloseCode.PongTimeout, 'Pong reply not received in time');
      else if (conn.pingDue(now, activityMs)) conn.send('{"event":"pusher:ping","data":"{}"}');
      if (conn.authorizationOverdue(now, authMs)) conn.close(CloseCode.Unauthorized, 'Connection not authorized within the timeout');
    }
  }
}

/** destroyOnError is the `error` listener of an upgrading socket (`this` is the socket). */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** noRelease is the release of a socket that holds no per-address slot. */
function noRelease(): void {}

/** ignore is the `error` listener of open sockets: `close` follows and cleans up. */
function ignore(): void {}

function refuse(ws: WebSocket, code: number, message: string, protocol = 7): void {
  if (ws.readyState !== ws.OPEN) return;
  // why: the socket was paused for the handshake; it must read the peer's close reply to finish closing.
  ws.resume();
  // why: a native V2 socket (?protocol=2) reads Sockudo's event names, so it is refused with sockudo:error.
  ws.send(protocol === 2 ? toV2Prefix(encodeError(code, message)) : encodeError(code, message));
  closeThenCut(ws, code, message);
}
