import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  CloseCode,
  encodeError,
  DependencyUnavailable,
  PusherError,
  encodeInternal,
  newSocketId,
  originAllowed,
  parseClientFrame,
  type App,
  type AppStore,
  type Bus,
  type CacheStore,
  type ChannelPublisher,
  type ControlMessage,
  type Logger,
  type Metrics,
  type NodeId,
  type Presence,
  type ServerConfig,
  type WebhookSink,
} from '@sockudo-ts/shared';
import { Connection, WriteBatcher, closeThenCut } from './connection.js';
import { handleClientEvent } from './client-events.js';
import { parseHandshake } from './handshake.js';
import { LocalChannels } from './local-channels.js';
import { handleSubscribe, handleUnsubscribe } from './subscriptions.js';
import { handleSignin, notifyWatchers, UserIndex } from './users.js';

/** GatewayDeps are the ports and settings a gateway is composed from. */
export interface GatewayDeps {
  config: ServerConfig;
  apps: AppStore;
  bus: Bus;
  presence: Presence;
  cache: CacheStore;
  webhooks: WebhookSink;
  metrics: Metrics;
  logger: Logger;
  nodeId: NodeId;
  /** publisher sends client events to their channels (one pipeline with the HTTP API). */
  publisher: ChannelPublisher;
}

/**
 * Gateway owns WebSocket connections: the handshake, the Pusher protocol on each socket, local
 * subscriptions and fan-out of bus messages, liveness and shutdown. Attach it to an HTTP server's
 * `upgrade` event with `handleUpgrade`.
 */
export class Gateway {
  readonly connections = new Set<Connection>();
  readonly local: LocalChannels;
  readonly users = new UserIndex();
  readonly batcher: WriteBatcher;
  private readonly wss: WebSocketServer;
  private sweeper?: NodeJS.Timeout;
  private stopping = false;
  /** admitting counts handshakes past the node cap check that are not in `connections` yet. */
  private admitting = 0;

  constructor(readonly deps: GatewayDeps) {
    const { config, metrics } = deps;
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
      deps.logger.debug({ socket_id: conn.id, app_id: conn.app.id }, 'slow consumer closed');
      conn.close(CloseCode.OverCapacity, 'Slow consumer: send buffer full', false);
    });
    deps.bus.onControl((m) => this.onControl(m));
  }

  /** start begins the liveness sweep (once a second). */
  start(): void {
    this.sweeper = setInterval(() => this.sweep(), 1000);
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
          this.deps.logger.warn({ dependency: err.dependency, reason: err.message }, 'handshake refused: dependency unavailable');
          refuse(ws, CloseCode.OverCapacity, `Service temporarily unavailable (${err.dependency}), retry later`);
          return;
        }
        this.deps.logger.error({ err }, 'handshake failed');
        refuse(ws, 4200, 'Internal error, reconnect');
      });
    });
  }

  private async admit(req: IncomingMessage, ws: WebSocket): Promise<void> {
    const { apps, config, metrics } = this.deps;
    let app: App | undefined;
    try {
      if (this.stopping) throw new PusherError(CloseCode.ReconnectNow, 'Server is shutting down');
      const { appKey } = parseHandshake(req.url ?? '/');
      app = await apps.byKey(appKey);
      if (app === undefined) throw new PusherError(CloseCode.AppNotFound, `App key ${appKey.slice(0, 64)} not in this cluster`);
      if (!app.enabled) throw new PusherError(CloseCode.AppDisabled, 'App is disabled');
      if (!originAllowed(app, req.headers.origin)) throw new PusherError(CloseCode.Unauthorized, 'Origin not allowed');
      const cap = config.websocket.max_connections;
      if (cap > 0 && this.connections.size + this.admitting >= cap) throw new PusherError(CloseCode.OverCapacity, 'Server over capacity');
    } catch (err) {
      if (!(err instanceof PusherError)) throw err;
      metrics.refusals.inc({ code: String(err.code) });
      refuse(ws, err.code, err.message);
      return;
    }
    // why: presence.connect may await a remote store; hold the node slot meanwhile so a burst cannot overshoot the cap.
    this.admitting++;
    try {
      await this.open(app, ws);
    } finally {
      this.admitting--;
    }
  }

  private async open(app: App, ws: WebSocket): Promise<void> {
    const { config, presence, metrics, nodeId } = this.deps;
    let socketId = newSocketId();
    let admitted = await presence.connect(app.id, socketId, nodeId);
    // why: ids are random; presence checks them cluster-wide, and a clash only costs a new draw.
    for (let i = 0; admitted === 'taken' && i < 3; i++) admitted = await presence.connect(app.id, (socketId = newSocketId()), nodeId);
    if (admitted !== 'added') {
      metrics.refusals.inc({ code: String(CloseCode.AppOverQuota) });
      refuse(ws, CloseCode.AppOverQuota, 'App over connection quota');
      return;
    }
    if (ws.readyState !== ws.OPEN) {
      await presence.disconnect(app.id, socketId);
      return;
    }
    const m = metrics.app(app.id);
    const conn = new Connection(socketId, app, ws, m, this.batcher);
    this.connections.add(conn);
    m.connected.inc();
    m.newConnections.inc();
    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    const touch = (): void => this.touch(conn);
    ws.on('ping', touch);
    ws.on('pong', touch);
    ws.on('error', ignore);
    ws.on('close', () => this.onClose(conn));
    conn.send(
      encodeInternal('pusher:connection_established', { socket_id: socketId, activity_timeout: config.activity_timeout }),
    );
    ws.resume();
  }

  private touch(conn: Connection): void {
    conn.lastActivity = Date.now();
    conn.pingSentAt = 0;
  }

  private onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    this.touch(conn);
    const buf = data as Buffer;
    conn.metrics.messagesReceived.inc();
    conn.metrics.bytesReceived.inc(buf.length);
    if (isBinary) {
      conn.sendError(null, 'Binary frames are not supported; send JSON text frames');
      return;
    }
    const frame = parseClientFrame(buf.toString('utf8'));
    if (frame === undefined) {
      conn.sendError(null, 'Invalid frame: expected a JSON object with a string "event"');
      return;
    }
    switch (frame.event) {
      case 'pusher:ping':
        conn.send('{"event":"pusher:pong","data":"{}"}');
        return;
      case 'pusher:pong':
        return;
      case 'pusher:subscribe':
        this.serialize(conn, () => handleSubscribe(this, conn, frame));
        return;
      case 'pusher:unsubscribe':
        this.serialize(conn, () => handleUnsubscribe(this, conn, frame));
        return;
      case 'pusher:signin':
        this.serialize(conn, () => handleSignin(this, conn, frame));
        return;
      default:
        if (frame.event.startsWith('client-')) this.serialize(conn, () => handleClientEvent(this, conn, frame));
    }
  }

  /** serialize runs a socket's handlers one after another, so that subscribe/unsubscribe never interleave. */
  private serialize(conn: Connection, task: () => Promise<void>): void {
    conn.work = conn.work.then(task).catch((err: unknown) => {
      if (err instanceof DependencyUnavailable) {
        this.deps.logger.warn({ dependency: err.dependency, reason: err.message, socket_id: conn.id, app_id: conn.app.id }, 'frame not handled: dependency unavailable');
        conn.sendError(null, `Service temporarily unavailable (${err.dependency}), retry later`);
        return;
      }
      this.deps.logger.error({ err, socket_id: conn.id, app_id: conn.app.id }, 'frame handler failed');
      conn.sendError(null, 'Internal error while handling the frame');
    });
  }

  private onClose(conn: Connection): void {
    conn.closed = true;
    if (!this.connections.delete(conn)) return;
    conn.metrics.connected.dec();
    conn.metrics.disconnections.inc();
    this.serialize(conn, async () => {
      for (const channel of conn.channels.keys()) this.local.remove(conn.app.id, channel, conn);
      conn.channels.clear();
      this.users.remove(conn);
      await this.deps.presence.disconnect(conn.app.id, conn.id);
    });
  }

  private onControl(message: ControlMessage): void {
    if (message.type === 'terminate_user') {
      for (const conn of this.users.socketsOf(message.app, message.userId)) {
        conn.close(CloseCode.Unauthorized, 'Connection terminated by the server');
      }
    } else if (message.type === 'user_presence') {
      notifyWatchers(this, message.app, message.userId, message.online);
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
      if (conn.pingSentAt > 0) {
        if (now - conn.pingSentAt > pongMs) conn.close(CloseCode.PongTimeout, 'Pong reply not received in time');
      } else if (now - conn.lastActivity > activityMs) {
        conn.pingSentAt = now;
        conn.send('{"event":"pusher:ping","data":"{}"}');
      }
      if (conn.app.enable_authorized_connections && !conn.authorized && now - conn.connectedAt > authMs) {
        conn.close(CloseCode.Unauthorized, 'Connection not authorized within the timeout');
      }
    }
  }

  /**
   * stop refuses new sockets, closes every socket with 4200 (reconnect now), and resolves when they are
   * gone or the grace period has passed, whichever is first.
   */
  async stop(gracePeriodMs: number): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeper);
    for (const conn of this.connections) conn.close(CloseCode.ReconnectNow, 'Server shutting down, reconnect');
    this.batcher.flush();
    const deadline = Date.now() + gracePeriodMs;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const conn of this.connections) conn.terminate();
    await Promise.all([...this.connections].map((c) => c.work));
    this.wss.close();
  }
}

/** destroyOnError is the `error` listener of an upgrading socket (`this` is the socket). */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** ignore is the `error` listener of open sockets: `close` follows and cleans up. */
function ignore(): void {}

function refuse(ws: WebSocket, code: number, message: string): void {
  if (ws.readyState !== ws.OPEN) return;
  // why: the socket was paused for the handshake; it must read the peer's close reply to finish closing.
  ws.resume();
  ws.send(encodeError(code, message));
  closeThenCut(ws, code, message);
}
