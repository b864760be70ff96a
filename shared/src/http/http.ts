import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AppStore } from '../apps/app-store.js';
import { asAppId } from '../ids.js';
import { HttpError, payloadTooLarge } from '../protocol/http-errors.js';

const EMPTY_BODY = Buffer.alloc(0);

/** readBody collects a request body, failing with 413 as soon as it passes `limitBytes`. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limitBytes) {
    req.resume();
    return Promise.reject(payloadTooLarge(`Request body is larger than ${limitBytes} bytes`));
  }
  if (req.complete && req.readableLength <= limitBytes) {
    // why: a request that arrived whole is already buffered (the usual small API call): take it at once,
    // without a round of stream events.
    return Promise.resolve((req.read() as Buffer | null) ?? EMPTY_BODY);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limitBytes) {
        failed = true;
        reject(payloadTooLarge(`Request body is larger than ${limitBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', () => {
      // why: the client went away mid-body (ECONNRESET "aborted"); that is the client's failure, not a
      // server error, and there is no one left to answer.
      if (!failed) reject(new HttpError(400, 'aborted', 'Request body ended early: the client went away'));
    });
  });
}

/** sendJson writes a JSON response with an exact Content-Length; returns the bytes sent. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number {
  const text = JSON.stringify(body);
  const length = Buffer.byteLength(text);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': length, ...headers });
  res.end(text);
  return length;
}

/** sendText writes a plain-text response. */
export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * handleHealth answers `GET /` and `GET /up` with 200 `OK`, and `GET /up/{app_id}` with 200 or 404.
 * Returns false for any other request so that the caller can route it.
 */
export function handleHealth(req: IncomingMessage, res: ServerResponse, apps: AppStore): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = (req.url ?? '/').split('?')[0]!;
  if (path === '/' || path === '/up') {
    sendText(res, 200, 'OK');
    return true;
  }
  const match = /^\/up\/([^/]+)$/.exec(path);
  if (match === null) return false;
  let appId: string;
  try {
    appId = decodeURIComponent(match[1]!);
  } catch {
    // why: this runs inside the request listener; a URIError thrown here would crash the process.
    sendText(res, 400, 'Bad app id encoding');
    return true;
  }
  apps.byId(asAppId(appId)).then(
    (app) => (app ? sendText(res, 200, 'OK') : sendText(res, 404, 'App not found')),
    () => sendText(res, 503, 'App store unavailable'),
  );
  return true;
}

/** listen binds an HTTP server to host:port (0 picks a free port) and resolves once it listens. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * answerClientError is a `clientError` listener: a malformed request gets a status line (400, or 431 for
 * oversized headers), as curl and proxies expect, unless the peer is gone.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
