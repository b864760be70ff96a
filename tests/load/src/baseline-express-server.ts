/**
 * baseline-express-server.ts is the `baseline-express` target: `baseline`'s HTTP API handler (read the
 * body, parse it as JSON, answer `{}`, no auth) mounted as one express 5 route, with the settings the
 * HTTP API uses (no X-Powered-By, no ETag, no query parser, request and response classes on express's
 * prototypes). Its CPU per request beside `baseline`'s is what express itself costs. HTTP only: it serves
 * no WebSockets.
 * Usage: `node baseline-express-server.js <port>`.
 */
import { createServer } from 'node:http';
import express from 'express';
import { expressServerOptions } from '@sockudo-ts/api';

const port = Number(process.argv[2] ?? 6001);
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.set('query parser', false);
app.post('/apps/:appId/events', (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString()) as { channels: string[] };
    if (body.channels.length === 0) throw new Error('no channels');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

const http = createServer(expressServerOptions(app), app);
http.keepAliveTimeout = 65_000;
http.listen(port, '127.0.0.1');
// why: exit normally on SIGTERM so that `--cpu-prof` writes its profile.
process.once('SIGTERM', () => process.exit(0));
