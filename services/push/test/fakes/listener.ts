import type { IncomingMessage } from 'node:http';
import type { Server, Socket } from 'node:net';
import { FaultPlan } from './faults.js';

/**
 * FakeListener runs a fake provider's server on one port and can take it down (listener closed, every
 * connection cut, as when the provider's host goes away) and bring it back on the same port.
 */
export class FakeListener {
  private readonly sockets = new Set<Socket>();
  private port = 0;
  private running = false;

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** origin is `scheme://127.0.0.1:port` once started. */
  origin(scheme: 'http' | 'https'): string {
    return `${scheme}://127.0.0.1:${this.port}`;
  }

  /** start listens on 127.0.0.1, on a random port the first time and on the same port afterwards. */
  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (address !== null && typeof address === 'object') this.port = address.port;
    this.running = true;
  }

  /** down stops listening and cuts every open connection. */
  async down(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** up listens again on the port it had. */
  async up(): Promise<void> {
    if (!this.running) await this.start();
  }
}

/**
 * FakeService is what every fake provider has: a fault plan, the protocol mistakes it saw, and a server
 * that can go down and come back.
 */
export abstract class FakeService {
  /** faults makes the fake misbehave for chosen devices. */
  readonly faults = new FaultPlan();
  /** problems lists every request it refused for a protocol mistake (a correct client leaves it empty). */
  readonly problems: string[] = [];
  protected readonly listener: FakeListener;

  protected constructor(server: Server) {
    this.listener = new FakeListener(server);
  }

  down(): Promise<void> {
    return this.listener.down();
  }

  up(): Promise<void> {
    return this.listener.up();
  }

  close(): Promise<void> {
    return this.listener.down();
  }
}

/** readBody collects an HTTP/1.1 request's body, then calls `done` with it. */
export function readBody(req: IncomingMessage, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.once('end', () => done(Buffer.concat(chunks)));
}
