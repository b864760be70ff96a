import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ResponseBatch } from '@sockudo-ts/shared';

// ResponseBatch against a real node:http server and raw client sockets: what a client receives, and when the
// server's response objects are written.
describe('ResponseBatch: the responses of one event-loop turn are written together at its end', () => {
  let server: Server | undefined;
  const clients: Socket[] = [];

  afterEach(async () => {
    vi.useRealTimers();
    for (const c of clients.splice(0)) c.destroy();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
  });

  /** serve starts a server that hands each request to `onRequest`, and returns its port. */
  async function serve(onRequest: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
    server = createServer(onRequest);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    return (server.address() as AddressInfo).port;
  }

  /** ask sends `GET /<name>` on a new keep-alive connection and resolves with what arrived before it closed or answered. */
  function ask(port: number, name: string): Promise<string> {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(`GET /${name} HTTP/1.1\r\nHost: x\r\n\r\n`));
      clients.push(socket);
      let got = '';
      socket.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        const end = got.indexOf('\r\n\r\n');
        const length = /content-length: (\d+)/i.exec(got);
        if (end >= 0 && length !== null && got.length >= end + 4 + Number(length[1])) resolve(got);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(got === '' ? 'closed' : got));
    });
  }

  it('writes nothing while the turn runs, then every response of the turn, in the order they were finished', async () => {
    const batch = new ResponseBatch((err) => expect.fail(String(err)));
    const held: Array<{ name: string; res: ServerResponse }> = [];
    const finished: string[] = [];
    let sentDuringTurn = -1;
    let turnDone!: () => void;
    const done = new Promise<void>((resolve) => (turnDone = resolve));
    const port = await serve((req, res) => {
      held.push({ name: req.url!.slice(1), res });
      if (held.length < 3) return;
      // the three answers are finished in one turn, the last request's callback
      for (const { name, res: r } of held) {
        r.on('finish', () => finished.push(name));
        batch.end(r, 200, ['Content-Type', 'text/plain', 'Content-Length', name.length], name);
      }
      sentDuringTurn = held.filter(({ res: r }) => r.headersSent).length;
      setImmediate(turnDone);
    });
    const answers = await Promise.all(['a', 'bb', 'ccc'].map(async (name, i) => {
      await new Promise((r) => setTimeout(r, 30 * i)); // why: the server sees them in this order
      return ask(port, name);
    }));
    await done;
    expect(sentDuringTurn).toBe(0);
    expect(answers.map((a) => `${a.slice(0, 15)}|${a.slice(a.indexOf('\r\n\r\n') + 4)}`)).toEqual(['HTTP/1.1 200 OK|a', 'HTTP/1.1 200 OK|bb', 'HTTP/1.1 200 OK|ccc']);
    expect(answers[1]).toMatch(/\r\nContent-Type: text\/plain\r\nContent-Length: 2\r\n/);
    expect(finished).toEqual(['a', 'bb', 'ccc']);
  });

  it('reports a response it cannot write and cuts its connection, and still writes the others of the turn', async () => {
    const errors: unknown[] = [];
    const batch = new ResponseBatch((err) => errors.push(err));
    const held: Array<{ name: string; res: ServerResponse }> = [];
    const port = await serve((req, res) => {
      held.push({ name: req.url!.slice(1), res });
      if (held.length < 2) return;
      const [broken, fine] = held as [{ name: string; res: ServerResponse }, { name: string; res: ServerResponse }];
      batch.end(broken.res, 200, ['Content-Length', 2], 'no');
      batch.end(fine.res, 200, ['Content-Length', 2], 'ok');
      // someone else answers `broken` before the turn ends: the batch's writeHead then throws
      broken.res.writeHead(500, { 'Content-Length': '0' });
    });
    const brokenAnswer = ask(port, 'broken');
    await new Promise((r) => setTimeout(r, 30));
    const fineAnswer = await ask(port, 'fine');
    expect(fineAnswer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
    // the connection of the response that could not be written is cut: no 200 with its body ever arrives
    expect(await brokenAnswer).not.toMatch(/200 OK/);
    expect(errors).toHaveLength(1);
    expect((errors[0] as { code?: string }).code).toBe('ERR_HTTP_HEADERS_SENT');
  });

  it('still writes when a test has faked the global timers', async () => {
    const batch = new ResponseBatch((err) => expect.fail(String(err)));
    const port = await serve((_req, res) => batch.end(res, 204, [], ''));
    vi.useFakeTimers();
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      clients.push(socket);
      socket.on('data', (d: Buffer) => resolve(d.toString('latin1')));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 204 No Content\r\n/);
  }, 10_000);
});
