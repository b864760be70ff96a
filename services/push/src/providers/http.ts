import { createSecureContext } from 'node:tls';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** HttpAnswer is a provider's HTTP answer, or why none came (connection error, timeout). */
export type HttpAnswer = { ok: true; status: number; headers: IncomingHttpHeaders; body: string } | { ok: false; reason: string };

/** HttpRequest is one request: method, headers and body; the body's length is set here. */
export interface HttpRequest {
  method: 'POST' | 'GET';
  headers: Record<string, string | number>;
  body?: string | Buffer;
}

/** MAX_ANSWER_BYTES caps how much of an answer's body is read (provider error bodies are small). */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * ProviderHttp sends HTTP/1.1 requests to one provider's hosts over keep-alive connections, each request
 * bounded by `timeoutMs` from start to the end of its answer. `ca` adds a trusted CA (tests use their own).
 */
export class ProviderHttp {
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;

  constructor(
    private readonly timeoutMs: number,
    ca?: string | Buffer,
    maxSockets = 64,
  ) {
    this.http = new HttpAgent({ keepAlive: true, maxSockets });
    // why: a `ca` option makes every new connection parse the certificates again; one context is built once.
    this.https = new HttpsAgent({ keepAlive: true, maxSockets, ...(ca !== undefined ? { secureContext: createSecureContext({ ca }) } : {}) });
  }

  /** request sends one request and reads the answer; it never throws. */
  request(url: string, req: HttpRequest): Promise<HttpAnswer> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return resolve({ ok: false, reason: 'invalid url' });
      }
      const secure = target.protocol === 'https:';
      if (!secure && target.protocol !== 'http:') return resolve({ ok: false, reason: `unsupported protocol ${target.protocol}` });
      let settled = false;
      const finish = (answer: HttpAnswer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(answer);
      };
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
      const send = secure ? httpsRequest : httpRequest;
      const outgoing = send(target, { method: req.method, headers, agent: secure ? this.https : this.http }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        res.once('end', () => finish({ ok: true, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.once('error', (err) => finish({ ok: false, reason: `answer cut off: ${err.message}` }));
      });
      const timer = setTimeout(() => {
        finish({ ok: false, reason: `no answer within ${this.timeoutMs} ms` });
        outgoing.destroy();
      }, this.timeoutMs);
      outgoing.once('error', (err: NodeJS.ErrnoException) => finish({ ok: false, reason: `connection error: ${err.code ?? err.message}` }));
      outgoing.end(req.body);
    });
  }

  /** close drops the idle keep-alive connections. */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
