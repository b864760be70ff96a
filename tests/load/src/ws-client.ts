import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** TextHandler receives one text frame's payload as a byte range of `buf` (valid only during the call). */
export type TextHandler = (buf: Buffer, start: number, end: number) => void;

/**
 * RawWsClient is a minimal RFC 6455 client over a TCP socket: one handshake, unfragmented server frames,
 * masked text frames out. why: a load generator built on `ws` spends several microseconds per received
 * message; this one hands the server's bytes to the caller without copying, so the generator takes as
 * little of the shared CPU as possible. Every target is measured with this same client.
 */
export class RawWsClient {
  onText: TextHandler = () => undefined;
  onClose: () => void = () => undefined;
  closed = false;
  /** closeCode is the code of the server's close frame, once one arrived (0 before). */
  closeCode = 0;
  private rest: Buffer | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('close', () => {
      this.closed = true;
      this.onClose();
    });
    socket.on('error', () => undefined);
  }

  /**
   * open connects to 127.0.0.1:port, upgrades `path` and resolves once the server answered 101. `init`
   * runs before any frame is read, so that frames sent right behind the 101 reach the handlers. `headers`
   * are extra request header lines, each ending in CRLF (e.g. `X-Forwarded-For: 10.0.0.1\r\n`).
   */
  static open(port: number, path: string, init: (c: RawWsClient) => void, timeoutMs = 15_000, headers = ''): Promise<RawWsClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', noDelay: true });
      const timer = setTimeout(() => fail(new Error('handshake timed out')), timeoutMs);
      let head = Buffer.alloc(0);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      socket.once('error', fail);
      socket.on('connect', () => {
        const key = randomBytes(16).toString('base64');
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${headers}\r\n`,
        );
      });
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.off('error', fail);
        clearTimeout(timer);
        if (!head.subarray(0, 13).toString('latin1').includes(' 101')) {
          socket.destroy();
          return reject(new Error(`upgrade refused: ${head.subarray(0, head.indexOf('\r\n')).toString()}`));
        }
        const client = new RawWsClient(socket);
        init(client);
        resolve(client);
        if (end + 4 < head.length) client.read(head.subarray(end + 4));
      };
      socket.on('data', onData);
    });
  }

  /** sendText writes one masked text frame (mask key zero: valid, and free to apply). */
  sendText(text: string): void {
    const payload = Buffer.from(text);
    const n = payload.length;
    const header = n < 126 ? 6 : 8;
    const frame = Buffer.alloc(header + n);
    frame[0] = 0x81;
    if (n < 126) frame[1] = 0x80 | n;
    else {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(n, 2);
    }
    payload.copy(frame, header);
    this.socket.write(frame);
  }

  /** pendingBytes is what this client wrote that the kernel has not taken yet (back-pressure for floods). */
  get pendingBytes(): number {
    return this.socket.writableLength;
  }

  /** drained resolves once the kernel took everything written so far, or the socket closed. */
  drained(): Promise<void> {
    if (this.closed || this.socket.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** close drops the TCP connection without a closing handshake. */
  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    let buf = chunk;
    if (this.rest !== undefined) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = undefined;
    }
    let off = 0;
    const len = buf.length;
    while (len - off >= 2) {
      const opcode = buf[off]! & 0x0f;
      let size = buf[off + 1]! & 0x7f;
      let header = 2;
      if (size === 126) {
        if (len - off < 4) break;
        size = buf.readUInt16BE(off + 2);
        header = 4;
      } else if (size === 127) {
        if (len - off < 10) break;
        size = buf.readUInt32BE(off + 6);
        header = 10;
      }
      if (len - off < header + size) break;
      const start = off + header;
      off = start + size;
      if (opcode === 1) this.onText(buf, start, off);
      else if (opcode === 9) this.pong(buf.subarray(start, off));
      else if (opcode === 8) {
        if (size >= 2) this.closeCode = buf.readUInt16BE(start);
        this.socket.end();
      }
    }
    if (off < len) this.rest = Buffer.from(buf.subarray(off));
  }

  private pong(payload: Buffer): void {
    const frame = Buffer.alloc(6 + payload.length);
    frame[0] = 0x8a;
    frame[1] = 0x80 | payload.length;
    payload.copy(frame, 6);
    this.socket.write(frame);
  }
}
