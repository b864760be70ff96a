import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, nkeyAuthenticator, type ConnectionOptions } from '@nats-io/transport-node';
import { headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../telemetry/logger.js';
import { DependencyUnavailable } from '../errors/dependency-unavailable.js';
import { redactUrl } from '../errors/redact.js';
import type { AppId, ChannelName, NodeId } from '../ids.js';
import type { Bus, BusHandler, BusMessage, ControlMessage, PublishPosition, Subscription } from './bus.js';
import { decodeChannelMessage, decodeControlMessage, encodeChannelMessage, encodeControlMessage, type Envelope, type HeaderReader } from './envelope.js';
import { channelSubject, controlSubject } from './subjects.js';

/** NatsBusOptions say where NATS is and how this node names itself and its subjects. */
export interface NatsBusOptions {
  /** servers are NATS URLs, e.g. `nats://127.0.0.1:4222`. */
  servers: string[];
  /** auth are the credentials and TLS files the connection presents (all optional). */
  auth?: NatsAuth;
  /** prefix is the first token of every subject (clusters sharing a NATS server use different ones). */
  prefix: string;
  /** node is this process's node id, written into every envelope. */
  nodeId: NodeId;
  logger?: Logger;
  /** subscribeTimeoutMs bounds how long subscribe waits for the server to confirm interest. Default 2000. */
  subscribeTimeoutMs?: number;
}

/**
 * NatsBus moves bus messages over NATS core: one subject per (app, channel), subscribed only while this
 * node has local subscribers, plus one control subject. Message id, sender node, except socket id and
 * trace context travel in NATS headers (see envelope.ts). The client reconnects forever and resubscribes
 * by itself; while it is disconnected, publish and subscribe fail at once with DependencyUnavailable.
 */
export class NatsBus implements Bus {
  private readonly controlHandlers: Array<(message: ControlMessage) => void> = [];
  private connected = true;

  private constructor(private readonly nc: NatsConnection, private readonly options: NatsBusOptions) {
    nc.subscribe(controlSubject(options.prefix), {
      callback: (err, msg) => {
        if (err) return;
        const message = decodeControlMessage(headerReader(msg.headers), msg.data);
        if (message !== undefined) for (const handler of this.controlHandlers) handler(message);
      },
    });
    void this.watchStatus();
  }

  /** connect opens the NATS connection; it fails with DependencyUnavailable when no server answers. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    try {
      const nc = await connect({
        ...natsAuthOptions(options.auth ?? {}),
        servers: options.servers,
        name: `sockudo-${options.nodeId}`,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        timeout: CONNECT_TIMEOUT_MS,
        pingInterval: 5000,
        maxPingOut: 2,
      });
      const bus = new NatsBus(nc, options);
      await nc.flush();
      return bus;
    } catch (err) {
      throw new DependencyUnavailable('nats', connectProblem(err, options.auth ?? {}), `cannot reach ${options.servers.map(redactUrl).join(', ')}: ${(err as Error).message}`);
    }
  }

  async publish(appId: AppId, channel: ChannelName, message: BusMessage): Promise<PublishPosition> {
    this.send(channelSubject(this.options.prefix, appId, channel), encodeChannelMessage(this.options.nodeId, message));
    return NO_POSITION;
  }

  async subscribe(appId: AppId, channel: ChannelName, handler: BusHandler): Promise<Subscription> {
    this.ensureConnected();
    const sub = this.nc.subscribe(channelSubject(this.options.prefix, appId, channel), {
      callback: (err, msg: Msg) => {
        if (err) return;
        const message = decodeChannelMessage(headerReader(msg.headers), msg.data);
        if (message !== undefined) handler(message);
      },
    });
    // why: the subscription is live cluster-wide only once the server has processed it; a subscriber that
    // is told "subscribed" must receive the next publish from any node.
    try {
      await withTimeout(this.nc.flush(), this.options.subscribeTimeoutMs ?? 2000);
    } catch {
      sub.unsubscribe();
      throw new DependencyUnavailable('nats', 'NATS did not confirm the subscription in time');
    }
    return {
      unsubscribe: async () => {
        if (!this.nc.isClosed()) sub.unsubscribe();
      },
    };
  }

  async publishControl(message: ControlMessage): Promise<void> {
    this.send(controlSubject(this.options.prefix), encodeControlMessage(this.options.nodeId, message));
  }

  onControl(handler: (message: ControlMessage) => void): void {
    this.controlHandlers.push(handler);
  }

  /** connection is the NATS connection, for a layer that shares it (JetStreamBus). */
  get connection(): NatsConnection {
    return this.nc;
  }

  /** nodeId is this process's node id, as written into every envelope. */
  get nodeId(): NodeId {
    return this.options.nodeId;
  }

  /** isConnected is false while the client is reconnecting (health checks). */
  isConnected(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  /** close drains the connection (at most 2 s; at once while NATS is unreachable) and closes it. */
  async close(): Promise<void> {
    this.controlHandlers.length = 0;
    if (this.nc.isClosed()) return;
    // why: a drain waits for the server; with NATS down a shutdown would wait forever.
    if (this.isConnected()) await withTimeout(this.nc.drain(), 2000).catch(() => undefined);
    if (!this.nc.isClosed()) await this.nc.close();
  }

  private send(subject: string, envelope: Envelope): void {
    // why: nats.js discards what was published while it reconnects (each dial resets its outbound buffer),
    // so publishing then would lose the message silently; fail instead and let the caller keep it.
    this.ensureConnected();
    // why: append, not set: the headers are new and their names distinct, so set's search for an old value is waste.
    const h = natsHeaders();
    for (const name in envelope.headers) h.append(name, envelope.headers[name]!);
    this.nc.publish(subject, envelope.payload, { headers: h });
  }

  private ensureConnected(): void {
    if (!this.isConnected()) throw new DependencyUnavailable('nats', 'NATS is unreachable; the bus is reconnecting');
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') {
        this.connected = false;
        this.options.logger?.warn({ server: status.server }, 'NATS disconnected; reconnecting');
      } else if (status.type === 'reconnect') {
        this.connected = true;
        this.options.logger?.info({ server: status.server }, 'NATS reconnected; subscriptions restored');
      }
    }
  }
}

/** NO_POSITION is the position of every message on NATS core, which assigns none. */
const NO_POSITION: PublishPosition = Object.freeze({});

/**
 * headerReader reads a received message's headers (the first value of each; undefined when absent). why: one
 * pass over the headers into a map; the client's own lookups copy and search every name on each call.
 */
export function headerReader(h: MsgHdrs | undefined): HeaderReader {
  if (h === undefined) return NO_HEADERS;
  const fields = new Map<string, string>();
  for (const [name, values] of h) if (values.length > 0 && !fields.has(name)) fields.set(name, values[0]!);
  return (name) => fields.get(name);
}

const NO_HEADERS: HeaderReader = () => undefined;

/** withTimeout settles like `promise`, or fails with `timeout` once `ms` passed without an answer. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e as Error);
      },
    );
  });
}

/** CONNECT_TIMEOUT_MS bounds the first connection to NATS (a TLS handshake the server aborts never ends otherwise). */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * connectProblem says why the first connection to NATS failed in words an operator can act on: refused
 * credentials, a TLS handshake that did not complete, or no answer. It names settings, never their values.
 */
export function connectProblem(err: unknown, auth: NatsAuth): string {
  const text = String((err as Error)?.message ?? err);
  if (/authorization violation|authentication|permissions violation/i.test(text)) {
    return 'NATS refused the credentials (check adapter.nats.username/password, token, nkey_seed or creds_file: NATS_USERNAME, NATS_PASSWORD, NATS_TOKEN, NATS_NKEY_SEED, NATS_CREDS_FILE)';
  }
  const tls = auth.tls !== undefined && Boolean(auth.tls.caFile || auth.tls.certFile || auth.tls.keyFile);
  if (tls && /timeout|tls|ssl|certificate|handshake|socket hang up|ECONNRESET/i.test(text)) {
    return 'NATS did not complete the TLS connection (check adapter.nats.tls.ca_file, cert_file and key_file: the server may refuse this client certificate, or the client may not trust the server\'s)';
  }
  if (/ENOENT|EACCES/.test(text)) return 'a NATS credentials or TLS file cannot be read';
  return 'NATS is unreachable';
}

/** NatsAuth are the ways a NATS connection authenticates and encrypts: any combination the server accepts. */
export interface NatsAuth {
  username?: string;
  password?: string;
  token?: string;
  /** nkeySeed is an NKey seed (`SU...`): the client signs the server's nonce with it. */
  nkeySeed?: string;
  /** credsFile is a `.creds` file (user JWT and NKey seed). */
  credsFile?: string;
  /** tls: connect with TLS, trusting `caFile`, presenting `certFile` / `keyFile` when given. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

/** natsAuthOptions turns NatsAuth into nats.js connection options (empty fields are left out). */
export function natsAuthOptions(auth: NatsAuth): Partial<ConnectionOptions> {
  const out: Partial<ConnectionOptions> = {};
  if (auth.username) out.user = auth.username;
  if (auth.password) out.pass = auth.password;
  if (auth.token) out.token = auth.token;
  if (auth.credsFile) out.authenticator = credsAuthenticator(readFileSync(auth.credsFile));
  else if (auth.nkeySeed) out.authenticator = nkeyAuthenticator(new TextEncoder().encode(auth.nkeySeed));
  const tls = auth.tls;
  if (tls !== undefined && (tls.caFile || tls.certFile || tls.keyFile)) {
    out.tls = { ...(tls.caFile ? { caFile: tls.caFile } : {}), ...(tls.certFile ? { certFile: tls.certFile } : {}), ...(tls.keyFile ? { keyFile: tls.keyFile } : {}) };
  }
  return out;
}
