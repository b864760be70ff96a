// tcp-proxy-child.mjs is the TCP proxy of tests/kit/tcp-proxy.ts, run as a process of its own: argv host, port.
// It tells its parent {port} once listening; on "down" it cuts every connection and stops listening, on "up"
// it listens again on the same port, and answers each with {done: "down" | "up"}.
import { connect, createServer } from 'node:net';

const [host, port] = [process.argv[2], Number(process.argv[3])];
const sockets = new Set();
let server;
let listenPort = 0;

const track = (socket) => {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
};

const up = () =>
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
      listenPort = server.address().port;
      resolve();
    });
  });

const down = async () => {
  const s = server;
  server = undefined;
  for (const socket of sockets) socket.destroy();
  if (s) await new Promise((resolve) => s.close(() => resolve()));
};

process.on('message', async (command) => {
  await (command === 'down' ? down() : up());
  process.send({ done: command });
});
process.on('disconnect', () => process.exit(0));

await up();
process.send({ port: listenPort });
