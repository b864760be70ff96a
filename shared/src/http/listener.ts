import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Service } from '../service/service.js';
import type { Logger } from '../telemetry/logger.js';
import { answerClientError, sendJson } from './http.js';
import { readTls, watchTls, type TlsFiles } from './tls-files.js';
import { chmodSocket, removeStaleSocket, unlinkSocket, type UnixSocketSettings } from './unix-socket.js';

/** ListenerSettings say where a listener binds and which config key names its port (for start-up errors). */
export interface ListenerSettings {
  host: string;
  /** port to bind; 0 picks a free one (read it back from `HttpListener.port`). */
  port: number;
  /** key is the config key of the port, e.g. `port` or `metrics.port`. */
  key: string;
  /** tls serves HTTPS (and WSS) from these PEM files, reloaded when they change on disk. */
  tls?: TlsFiles;
  /** redirectHttpPort, with tls, also listens there with plain HTTP and answers 301 to the HTTPS URL. */
  redirectHttpPort?: number;
  /** unixSocket binds this socket file instead of host:port. */
  unixSocket?: UnixSocketSettings;
}

/** UpgradeListener takes an HTTP upgrade request (WebSockets). */
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** ListenerHandlers are what a listener serves: plain requests and, optionally, upgrades. */
export interface ListenerHandlers {
  request: RequestListener;
  upgrade?: UpgradeListener;
  /** serverOptions are `http.createServer` options, such as the request classes a framework wants to see. */
  serverOptions?: ServerOptions;
}

/**
 * ListenError is a listener that could not bind (port in use, no permission); `key` names the config key of
 * the port so that the start-up message can point at it.
 */
export class ListenError extends Error {
  constructor(
    readonly key: string,
    readonly host: string,
    readonly port: number,
    cause: unknown,
  ) {
    const code = (cause as { code?: string }).code;
    const reason = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : (cause as Error).message;
    const where = host.startsWith('/') ? host : `${host}:${port}`;
    super(`cannot listen on ${where} (config key ${key}): ${reason}`, { cause });
    this.name = 'ListenError';
  }
}

/**
 * HttpListener is an HTTP/1.1 server as a Service: it binds on start, and on stop refuses new connections,
 * closes idle keep-alive connections, lets requests in flight finish within the grace period and then cuts
 * what is left. Upgraded sockets (WebSockets) are their owner's to close. A handler that throws answers 500
 * instead of taking the process down.
 */
export class HttpListener implements Service {
  private readonly server: Server | HttpsServer;
  private readonly redirect?: Server;
  private unwatch?: () => void;
  /** closed settles once the server has closed, after refuseNew (undefined until then). */
  private closed?: Promise<void>;

  constructor(
    readonly name: string,
    private readonly settings: ListenerSettings,
    handlers: ListenerHandlers,
    private readonly logger: Logger,
  ) {
    const serve: RequestListener = (req, res) => {
      try {
        handlers.request(req, res);
      } catch (err) {
        // why: a throw in a request listener would take the whole process (every socket) down.
        logger.error({ err, path: (req.url ?? '/').split('?')[0] }, 'HTTP request handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'Internal server error' });
        else res.destroy();
      }
    };
    const options = handlers.serverOptions ?? {};
    this.server = settings.tls === undefined ? createServer(options, serve) : createHttpsServer({ ...options, ...readTls(settings.tls) }, serve);
    if (settings.tls !== undefined && settings.redirectHttpPort !== undefined) {
      this.redirect = createServer(redirectToHttps(() => this.port));
      this.redirect.on('clientError', answerClientError);
    }
    // why: clients and proxies keep connections open for 60 s; the server must not close them first.
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
    if (handlers.upgrade !== undefined) this.server.on('upgrade', handlers.upgrade);
    this.server.on('clientError', answerClientError);
  }

  /** port is the bound port once started (the configured one, or the one picked for 0). */
  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? this.settings.port;
  }

  /** address says where the listener is, for start-up lines: `host:port`, or the socket file's path. */
  get address(): string {
    return this.settings.unixSocket?.path ?? `${this.settings.host}:${this.port}`;
  }

  async start(): Promise<void> {
    const { host, port, key, unixSocket, tls } = this.settings;
    if (unixSocket !== undefined) {
      try {
        await removeStaleSocket(unixSocket.path);
      } catch (err) {
        throw new ListenError('unix_socket.path', unixSocket.path, 0, err);
      }
      await bind(this.server, (done) => this.server.listen(unixSocket.path, done), (err) => new ListenError('unix_socket.path', unixSocket.path, 0, err));
      chmodSocket(unixSocket);
    } else {
      await bind(this.server, (done) => this.server.listen(port, host, done), (err) => new ListenError(key, host, port, err));
    }
    if (tls !== undefined) this.unwatch = watchTls(tls, (options) => (this.server as HttpsServer).setSecureContext(options), this.logger);
    if (this.redirect !== undefined) {
      const redirectPort = this.settings.redirectHttpPort!;
      await bind(this.redirect, (done) => this.redirect!.listen(redirectPort, host, done), (err) => new ListenError('ssl.http_port', host, redirectPort, err));
    }
  }

  /** redirectPort is the bound port of the HTTP-to-HTTPS redirect server, when there is one. */
  get redirectPort(): number | undefined {
    return (this.redirect?.address() as AddressInfo | null)?.port;
  }

  /**
   * refuseNew closes the port now: new connections are refused, while the connections already open (requests in
   * flight, upgraded sockets) carry on. `stop` finishes the shutdown; it calls this itself when nothing did.
   * Refused at the port, a connection goes elsewhere at once behind a balancer (nginx's proxy_next_upstream, a
   * Kubernetes Service).
   */
  refuseNew(): void {
    if (this.closed !== undefined || !this.server.listening) return;
    if (this.settings.unixSocket !== undefined) {
      const path = this.settings.unixSocket.path;
      this.server.once('close', () => unlinkSocket(path));
    }
    this.closed = new Promise((resolve) => this.server.close(() => resolve()));
  }

  async stop(graceMs: number): Promise<void> {
    this.unwatch?.();
    if (this.redirect?.listening) {
      this.redirect.closeAllConnections();
      this.redirect.close();
    }
    this.refuseNew();
    if (this.closed === undefined) return;
    const cut = setTimeout(() => this.server.closeAllConnections(), graceMs);
    cut.unref();
    // why: node closes the connections that are idle when the server closes, but keeps one whose request was
    // in flight alive after its answer, until the client drops it: an SDK's keep-alive agent would hold the
    // stop for the whole grace period. Such connections are closed as soon as they fall idle.
    const sweep = setInterval(() => this.server.closeIdleConnections(), 50);
    sweep.unref();
    this.server.closeIdleConnections();
    await this.closed;
    clearTimeout(cut);
    clearInterval(sweep);
  }
}

/** bind listens and resolves once bound, or rejects with the error `wrap` makes of a failed bind. */
function bind(server: Server | HttpsServer, listen: (done: () => void) => void, wrap: (err: unknown) => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: unknown): void => reject(wrap(err));
    server.once('error', fail);
    listen(() => {
      server.off('error', fail);
      resolve();
    });
  });
}

/**
 * redirectToHttps answers every request with a 301 to the same host and path over HTTPS on the TLS listener's
 * port (left out when it is 443). A request without a usable Host header gets 400.
 */
function redirectToHttps(httpsPort: () => number): RequestListener {
  return (req, res) => {
    const hostHeader = req.headers.host ?? '';
    const host = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d+)?$/.exec(hostHeader)?.[1];
    if (host === undefined) {
      sendJson(res, 400, { error: 'Bad request: a Host header is needed to redirect to HTTPS' });
      return;
    }
    const port = httpsPort();
    // why: an absolute-form request target (`GET http://other/`) must not become part of the new URL's authority.
    const path = req.url?.startsWith('/') ? req.url : '/';
    const location = `https://${host}${port === 443 ? '' : `:${port}`}${path}`;
    res.writeHead(301, { location, 'content-length': '0', connection: 'close' });
    res.end();
  };
}
