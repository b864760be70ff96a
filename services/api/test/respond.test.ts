import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import type { Request } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, Metrics } from '@sockudo-ts/shared';
import { newRequestState, Responder, type ApiResponse } from '../src/respond.js';

// The Responder against a real node:http server: a request that is answered and then fails (or is answered
// twice) keeps its first answer and its keep-alive connection, and the second answer is logged, not thrown
// at the end of the turn where nothing would catch it.
describe('Responder: one answer per request', () => {
  let server: Server | undefined;
  let client: Socket | undefined;

  afterEach(async () => {
    client?.destroy();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
  });

  /** start serves each request with `serve` and returns the captured log lines. */
  async function start(serve: (responder: Responder, req: Request, res: ApiResponse) => void): Promise<{ port: number; logs: string[] }> {
    const logs: string[] = [];
    const logger = createLogger({ level: 'info', service: 'api-test', destination: new Writable({ write: (c, _e, done) => (logs.push(String(c)), done()) }) });
    const responder = new Responder(new Metrics('t_', false), logger);
    server = createServer((req, res) => {
      (res as unknown as ApiResponse).locals = newRequestState(req.url!);
      serve(responder, req as Request, res as unknown as ApiResponse);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    return { port: (server.address() as AddressInfo).port, logs };
  }

  /** exchange sends two requests one after the other on one keep-alive connection and returns both answers. */
  async function exchange(port: number): Promise<string[]> {
    const socket = connect(port, '127.0.0.1');
    client = socket;
    let got = '';
    const answers: string[] = [];
    let next!: () => void;
    let cut!: (err: Error) => void;
    socket.on('close', () => cut(new Error(`connection cut after ${answers.length} answer(s)`)));
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      for (;;) {
        const end = got.indexOf('\r\n\r\n');
        const length = /content-length: (\d+)/i.exec(got);
        if (end < 0 || length === null || got.length < end + 4 + Number(length[1])) return;
        answers.push(got.slice(0, end + 4 + Number(length[1])));
        got = got.slice(end + 4 + Number(length[1]));
        next();
      }
    });
    for (const path of ['/apps/1/events', '/apps/1/channels']) {
      const answered = new Promise<void>((resolve, reject) => ((next = resolve), (cut = reject)));
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      await answered;
    }
    return answers;
  }

  it('keeps the first answer when the request fails after it was answered, and the connection stays open', async () => {
    const writtenAtOnce: boolean[] = [];
    const { port, logs } = await start((responder, req, res) => {
      responder.send(req, res, 200, { first: req.url });
      // the answer is written with the turn's other answers, at its end (ResponseBatch), not inside send
      writtenAtOnce.push(res.headersSent);
      responder.sendFailure(req, res, 500, { error: 'Internal server error' });
    });
    const answers = await exchange(port);
    expect(answers.map((a) => `${a.slice(0, 15)}|${a.slice(a.indexOf('\r\n\r\n') + 4)}`)).toEqual([
      'HTTP/1.1 200 OK|{"first":"/apps/1/events"}',
      'HTTP/1.1 200 OK|{"first":"/apps/1/channels"}',
    ]);
    expect(writtenAtOnce).toEqual([false, false]);
    expect(logs.join('')).not.toMatch(/answered twice/);
  });

  it('drops and logs a second answer to one request instead of throwing when the turn writes it', async () => {
    const { port, logs } = await start((responder, req, res) => {
      responder.send(req, res, 200, undefined);
      responder.send(req, res, 404, { error: 'Unknown route' });
    });
    const answers = await exchange(port);
    expect(answers.map((a) => `${a.slice(0, 15)}|${a.slice(a.indexOf('\r\n\r\n') + 4)}`)).toEqual(['HTTP/1.1 200 OK|{}', 'HTTP/1.1 200 OK|{}']);
    expect(logs.filter((l) => l.includes('answered twice'))).toHaveLength(2);
    expect(logs.join('')).toMatch(/"status":404/);
  });
});
