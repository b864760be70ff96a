/**
 * floor-express-signed-server.ts is the `floor-express-signed` target: the least a SIGNED trigger can cost on
 * express 5 and node:crypto, to set beside `sockudo-ts`. It is `baseline-express` plus the auth_version 1.0
 * checks every signed publish needs, with the product's own crypto helpers (the cheapest measured): the
 * query cut at `auth_signature` as the string to sign (no parse, no decoding, no key/timestamp/version check),
 * HMAC-SHA256 over it, body_md5 of the body, both compared as hex. No app lookup, event validation, publish
 * or metrics. Whatever sockudo-ts costs above it is the product's own logic; it shows how much room the
 * 1.5x-of-`baseline` goal leaves for that logic. HTTP only. Usage: `node floor-express-signed-server.js <port>`.
 */
import { createServer } from 'node:http';
import express from 'express';
import { hexEquals, HmacSha256Key, md5Hex } from '@sockudo-ts/shared';
import { expressServerOptions } from '@sockudo-ts/api';
import { APP } from './targets.js';

const port = Number(process.argv[2] ?? 6001);
const key = new HmacSha256Key(APP.secret);
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.set('query parser', false);
app.post('/apps/:appId/events', (req, res) => {
  const url = (req as typeof req & { signedUrl: string }).signedUrl;
  const q = url.indexOf('?');
  const query = url.slice(q + 1);
  const at = query.indexOf('auth_signature=');
  const end = query.indexOf('&', at);
  const signature = query.slice(at + 15, end < 0 ? query.length : end);
  const signed = end < 0 ? query.slice(0, Math.max(0, at - 1)) : query.slice(0, at) + query.slice(end + 1);
  const path = url.slice(0, q);
  if (!hexEquals(signature, key.hex(`POST\n${path}\n${signed}`))) {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Invalid auth_signature"}');
    return;
  }
  const md5At = query.indexOf('body_md5=');
  const bodyMd5 = query.slice(md5At + 9, md5At + 9 + 32);
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    if (!hexEquals(bodyMd5, md5Hex(raw))) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"body_md5 does not match the body"}');
      return;
    }
    const body = JSON.parse(raw.toString()) as { channels: string[] };
    if (body.channels.length === 0) throw new Error('no channels');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

// why: the router is given the path only, as the HTTP API gives it (parseurl reads a URL with a query at ~6,000
// CPU instructions a request; without one it takes a cached fast path); the signature is checked on the URL as sent.
const http = createServer(expressServerOptions(app), (req, res) => {
  const url = req.url ?? '/';
  (req as typeof req & { signedUrl: string }).signedUrl = url;
  const q = url.indexOf('?');
  if (q >= 0) req.url = url.slice(0, q);
  app(req, res);
});
http.keepAliveTimeout = 65_000;
http.listen(port, '127.0.0.1');
// why: exit normally on SIGTERM so that `--cpu-prof` writes its profile.
process.once('SIGTERM', () => process.exit(0));
