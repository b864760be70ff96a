/**
 * baseline-server.ts is the `baseline` target: the least a Node + `ws` server can do to broadcast. No
 * auth, no validation, no metrics. A POST to `/apps/<id>/events` builds ONE WebSocket frame per channel
 * and writes that same buffer to every socket of the channel, one `write` per frame per socket (no
 * coalescing). Just enough of the Pusher handshake (connection_established, subscribe/unsubscribe
 * replies) that the benchmark's clients run unchanged; presence channels are plain channels here.
 * With `--per-turn` (the `baseline-per-turn` target) the HTTP answers finished in one event-loop turn are
 * written together at its end, as sockudo-ts writes its API's answers (ResponseBatch): what that alone saves.
 * Usage: `node baseline-server.js <port> [--per-turn]`.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

const port = Number(process.argv[2] ?? 6001);
const perTurn = process.argv.includes('--per-turn');
const channels = new Map<string, Set<Socket>>();
let nextId = 1;

/** frame builds one unmasked final text frame (RFC 6455 §5.2). */
function frame(text: string): Buffer {
  const payload = Buffer.from(text);
  const n = payload.length;
  const header = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(header + n);
  out[0] = 0x81;
  if (header === 2) out[1] = n;
  else if (header === 4) (out[1] = 126), out.writeUInt16BE(n, 2);
  else (out[1] = 127), out.writeBigUInt64BE(BigInt(n), 2);
  payload.copy(out, header);
  return out;
}

const http = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'POST' && req.url?.startsWith('/apps/')) {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { name: string; channels: string[]; data: string };
      for (const channel of body.channels) {
        const bytes = frame(JSON.stringify({ event: body.name, channel, data: body.data }));
        for (const socket of channels.get(channel) ?? []) socket.write(bytes);
      }
    }
    if (!perTurn) answer(res);
    else if (answers.push(res) === 1) setImmediate(answerAll);
  });
});
http.keepAliveTimeout = 65_000;

const wss = new WebSocketServer({ server: http, perMessageDeflate: false, clientTracking: false });
wss.on('connection', (ws: WebSocket) => {
  const raw = (ws as unknown as { _socket: Socket })._socket;
  const mine = new Set<string>();
  const socketId = `1.${nextId++}`;
  ws.send(`{"event":"pusher:connection_established","data":"{\\"socket_id\\":\\"${socketId}\\",\\"activity_timeout\\":120}"}`);
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { event: string; data?: { channel?: string } };
    const channel = msg.data?.channel;
    if (channel === undefined) return;
    if (msg.event === 'pusher:subscribe') {
      let set = channels.get(channel);
      if (set === undefined) channels.set(channel, (set = new Set()));
      set.add(raw);
      mine.add(channel);
      ws.send(JSON.stringify({ event: 'pusher_internal:subscription_succeeded', channel, data: '{}' }));
    } else if (msg.event === 'pusher:unsubscribe') {
      leave(channel, raw);
      mine.delete(channel);
    }
  });
  ws.on('close', () => mine.forEach((channel) => leave(channel, raw)));
  ws.on('error', () => undefined);
});

/** answers are the responses waiting for the end of the turn (`--per-turn`). */
const answers: ServerResponse[] = [];

function answer(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
}

function answerAll(): void {
  for (const res of answers.splice(0)) answer(res);
}

function leave(channel: string, raw: Socket): void {
  const set = channels.get(channel);
  set?.delete(raw);
  if (set?.size === 0) channels.delete(channel);
}

http.listen(port, '127.0.0.1');
// why: exit normally on SIGTERM so that `--cpu-prof` writes its profile.
process.once('SIGTERM', () => process.exit(0));
