import { connect, type Socket } from 'node:net';

/**
 * RawHttpConnection is one keep-alive HTTP/1.1 connection that sends pre-built requests one at a time
 * and reads status and body length only. why: Node's `http` client costs tens of microseconds per
 * request, which would be taken from the server under test on a 2-core machine. A server that answers
 * `Connection: close` (soketi does, on every API response) gets a new TCP connection per request.
 */
export class RawHttpConnection {
  busy = false;
  private socket?: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private pending?: { resolve: (status: number) => void; reject: (err: Error) => void };

  private constructor(private readonly port: number) {}

  /** open connects to 127.0.0.1:port. */
  static async open(port: number): Promise<RawHttpConnection> {
    const c = new RawHttpConnection(port);
    await c.connect();
    return c;
  }

  /** request writes one complete request and resolves with the response status code. */
  async request(bytes: Buffer): Promise<number> {
    this.busy = true;
    try {
      if (this.socket === undefined) await this.connect();
      return await new Promise<number>((resolve, reject) => {
        this.pending = { resolve, reject };
        this.socket!.write(bytes);
      });
    } finally {
      this.busy = false;
    }
  }

  /** close ends the connection. */
  close(): void {
    this.socket?.destroy();
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port: this.port, host: '127.0.0.1', noDelay: true }, () => {
        socket.off('error', reject);
        socket.on('error', () => undefined);
        resolve();
      });
      socket.once('error', reject);
      socket.on('data', (chunk: Buffer) => this.read(chunk));
      socket.on('close', () => {
        if (this.socket !== socket) return; // an old connection that we closed ourselves
        this.socket = undefined;
        this.buf = Buffer.alloc(0);
        this.fail(new Error('connection closed'));
      });
      this.socket = socket;
    });
  }

  private read(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end).toLowerCase();
    const status = Number(head.slice(9, 12));
    let total: number;
    const m = /content-length: *(\d+)/.exec(head);
    if (m !== null) total = end + 4 + Number(m[1]);
    else if (head.includes('transfer-encoding: chunked')) {
      const last = this.buf.indexOf('0\r\n\r\n', end + 4);
      if (last < 0) return;
      total = last + 5;
    } else total = end + 4;
    if (this.buf.length < total) return;
    this.buf = this.buf.subarray(total);
    if (head.includes('connection: close')) {
      this.socket?.destroy();
      this.socket = undefined;
    }
    const p = this.pending;
    this.pending = undefined;
    p?.resolve(status);
  }

  private fail(err: Error): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(err);
  }
}

/** buildRequest returns the bytes of a POST with a JSON body and keep-alive; `headers` are extra lines ending in CRLF. */
export function buildRequest(port: number, pathAndQuery: string, body: string, headers = ''): Buffer {
  const b = Buffer.from(body);
  const head =
    `POST ${pathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n${headers}` +
    `Content-Type: application/json\r\nContent-Length: ${b.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), b]);
}
