import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HttpError, payloadTooLarge } from '../protocol/http-errors.js';

const EMPTY_BODY = Buffer.alloc(0);

/**
 * bufferedBody takes a request body that arrived whole with its headers (the usual small API call) at once,
 * without a round of stream events or a promise; undefined when it did not, or is over `limitBytes` (then
 * `readBody` reads or refuses it).
 */
export function bufferedBody(req: IncomingMessage, limitBytes: number): Buffer | undefined {
  if (!req.complete || req.readableLength > limitBytes || declaresMore(req, limitBytes)) return undefined;
  return (req.read() as Buffer | null) ?? EMPTY_BODY;
}

/**
 * declaresMore tells whether a request's Content-Length is over `limitBytes`. why: a length with fewer digits
 * than the limit is under it; Number() of the header costs ~300 CPU instructions, and almost every body is small.
 */
function declaresMore(req: IncomingMessage, limitBytes: number): boolean {
  const length = req.headers['content-length'];
  return length !== undefined && 10 ** length.length - 1 > limitBytes && Number(length) > limitBytes;
}

/** readBody collects a request body, failing with 413 as soon as it passes `limitBytes`. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  if (declaresMore(req, limitBytes)) {
    req.resume();
    return Promise.reject(payloadTooLarge(`Request body is larger than ${limitBytes} bytes`));
  }
  const buffered = bufferedBody(req, limitBytes);
  if (buffered !== undefined) return Promise.resolve(buffered);
  // why: read on 'readable' (paused), not on 'data': a flowing stream costs a resume, its tick and a read loop
  // per request on top of the listeners; a small body arrives in one 'readable' with the request complete.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = req.read() as Buffer | null) !== null) {
        size += chunk.length;
        if (size > limitBytes) {
          // the rest of the body is drained, unread, so that the refusal can be answered
          req.off('readable', onReadable);
          req.resume();
          reject(payloadTooLarge(`Request body is larger than ${limitBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      }
      // why: node marks a request complete once its last body byte was pushed; everything is read then.
      if (!req.complete) return;
      req.off('readable', onReadable);
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    req.on('readable', onReadable);
    req.on('error', () => {
      // why: the client went away mid-body (ECONNRESET "aborted"); that is the client's failure, not a
      // server error, and there is no one left to answer.
      reject(new HttpError(400, 'aborted', 'Request body ended early: the client went away'));
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
