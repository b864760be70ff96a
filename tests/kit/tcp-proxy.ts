import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * TcpProxy forwards a local port to a real server so a test can take that server "down" for one client and
 * bring it back (on the same port) without stopping the server other tests share.
 */
export interface TcpProxy {
  /** port is where clients connect, on 127.0.0.1. */
  port: number;
  /** down stops accepting and cuts every open connection; connections are refused until up(). */
  down(): Promise<void>;
  /** up listens again on the same port. */
  up(): Promise<void>;
  /** close is down() for good. */
  close(): Promise<void>;
}

/** startTcpProxy listens on a free 127.0.0.1 port and forwards every connection to host:port. */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let listenPort = 0;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const up = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect({ host, port });
        track(client);
        track(upstream);
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      });
      server.once('error', reject);
      server.listen(listenPort, '127.0.0.1', () => {
        listenPort = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const down = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await up();
  return { port: listenPort, down, up, close: down };
}
