import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Service } from '../service/service.js';
import type { Logger } from '../telemetry/logger.js';
import { answerClientError, sendJson } from './http.js';

/** ListenerSettings say where a listener binds and which config key names its port (for start-up errors). */
export interface ListenerSettings {
  host: string;
  /** port to bind; 0 picks a free one (read it back from `HttpListener.port`). */
  port: number;
  /** key is the config key of the port, e.g. `port` or `metrics.port`. */
  key: string;
}

/** UpgradeListener takes an HTTP upgrade request (WebSockets). */
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** ListenerHandlers are what a listener serves: plain requests and, optionally, upgrades. */
export interface ListenerHandlers {
  request: RequestListener;
  upgrade?: UpgradeListener;
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
    super(`cannot listen on ${host}:${port} (config key ${key}): ${reason}`, { cause });
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
  private readonly server: Server;

  constructor(
    readonly name: string,
    private readonly settings: ListenerSettings,
    handlers: ListenerHandlers,
    logger: Logger,
  ) {
    this.server = createServer((req, res) => {
      try {
        handlers.request(req, res);
      } catch (err) {
        // why: a throw in a request listener would take the whole process (every socket) down.
        logger.error({ err, path: (req.url ?? '/').split('?')[0] }, 'HTTP request handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'Internal server error' });
        else res.destroy();
      }
    });
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

  start(): Promise<void> {
    const { host, port, key } = this.settings;
    return new Promise((resolve, reject) => {
      const fail = (err: unknown): void => reject(new ListenError(key, host, port, err));
      this.server.once('error', fail);
      this.server.listen(port, host, () => {
        this.server.off('error', fail);
        resolve();
      });
    });
  }

  async stop(graceMs: number): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      const cut = setTimeout(() => this.server.closeAllConnections(), graceMs);
      cut.unref();
      this.server.close(() => {
        clearTimeout(cut);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }
}
