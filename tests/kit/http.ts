import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { md5Hex, signHttpRequest } from '@sockudo-ts/shared';
import type { TestApp, TestServer } from './server.js';

/** HttpResult is a complete HTTP response read by the raw helpers. */
export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** json is the body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/** SignedRequestOptions describe one hand-signed HTTP API request; fields let a test break one part of it. */
export interface SignedRequestOptions {
  method?: string;
  /** path below `/apps/{app_id}`, e.g. `/events`; may carry an already encoded segment. */
  path: string;
  /** query holds extra query parameters (signed with the rest). */
  query?: Record<string, string>;
  /** body is sent as is when a string, else JSON-encoded. */
  body?: unknown;
  /** app signs the request and names the path; defaults to the server's first app. */
  app?: TestApp;
  /** appId replaces the app id in the path (to aim at another app). */
  appId?: string;
  /** key replaces the auth_key parameter. */
  key?: string;
  /** secret replaces the secret used to sign. */
  secret?: string;
  /** timestamp is auth_timestamp in unix seconds; defaults to now. */
  timestamp?: number;
  /** bodyMd5 replaces the body's MD5; null leaves the parameter out. */
  bodyMd5?: string | null;
  /** signature replaces the computed auth_signature. */
  signature?: string;
  /** editQuery rewrites the signed query string before it is sent (to add what the signer did not sign). */
  editQuery?: (query: string) => string;
  agent?: Agent;
  headers?: Record<string, string>;
}

/**
 * signedRequest sends an HTTP API request signed by hand with the shared signing helpers (auth_version
 * 1.0), for what the `pusher` SDK cannot send: bad signatures, stale timestamps, odd bodies.
 */
export function signedRequest(server: Pick<TestServer, 'host' | 'port' | 'app'>, options: SignedRequestOptions): Promise<HttpResult> {
  const app = options.app ?? server.app;
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  const path = `/apps/${options.appId ?? app.id}${options.path}`;
  const body = options.body === undefined ? '' : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const params: Record<string, string> = {
    auth_key: options.key ?? app.key,
    auth_timestamp: String(options.timestamp ?? Math.floor(Date.now() / 1000)),
    auth_version: '1.0',
    ...options.query,
  };
  const md5 = options.bodyMd5 === undefined ? (body === '' ? undefined : md5Hex(body)) : options.bodyMd5 ?? undefined;
  if (md5 !== undefined) params.body_md5 = md5;
  params.auth_signature = options.signature ?? signHttpRequest(options.secret ?? app.secret, method, path, params);
  // why: values are sent unescaped except for what a URL cannot carry, as the pusher SDK does.
  const signed = Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%2C/g, ',')}`)
    .join('&');
  const query = options.editQuery === undefined ? signed : options.editQuery(signed);
  return httpRequest(server, method, `${path}?${query}`, body, { agent: options.agent, headers: options.headers });
}

/** httpRequest sends an unsigned request to the server's HTTP listener and reads the whole response. */
export function httpRequest(
  server: Pick<TestServer, 'host' | 'port'>,
  method: string,
  path: string,
  body: string | Buffer = '',
  options: { agent?: Agent; headers?: Record<string, string>; port?: number } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...options.headers };
    if (body.length > 0) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = request(
      { host: server.host, port: options.port ?? server.port, method, path, headers, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** CountingAgent is a keep-alive agent that counts the TCP connections it opens. */
export class CountingAgent extends Agent {
  connections = 0;

  constructor() {
    super({ keepAlive: true, maxSockets: 1 });
  }

  override createConnection(...args: Parameters<Agent['createConnection']>): ReturnType<Agent['createConnection']> {
    this.connections++;
    return super.createConnection(...args);
  }
}

/** signedPath returns `/apps/{id}{path}?{signed query}` for a request with `body`. */
export function signedPath(app: TestApp, method: string, path: string, body: string): string {
  const full = `/apps/${app.id}${path}`;
  const params: Record<string, string> = { auth_key: app.key, auth_timestamp: String(Math.floor(Date.now() / 1000)), auth_version: '1.0' };
  if (body !== '') params.body_md5 = md5Hex(body);
  params.auth_signature = signHttpRequest(app.secret, method, full, params);
  return `${full}?${Object.entries(params).map(([k, v]) => `${k}=${v}`).join('&')}`;
}

/** HalfSent is a raw HTTP request whose headers went out but whose body is still owed. */
export interface HalfSent {
  socket: Socket;
  /** response resolves with the raw response text once the server answers (or closes). */
  response: Promise<string>;
}

/** sendHeadersOnly sends a request line and headers announcing `length` body bytes, and none of the body. */
export function sendHeadersOnly(server: Pick<TestServer, 'host' | 'port'>, path: string, length: number, extra = ''): Promise<HalfSent> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, server.host, () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`);
      resolve({ socket, response });
    });
    socket.on('error', reject);
    let text = '';
    const response = new Promise<string>((done) => {
      socket.on('data', (chunk) => {
        text += String(chunk);
        if (text.includes('\r\n\r\n')) done(text);
      });
      socket.on('close', () => done(text));
    });
  });
}
