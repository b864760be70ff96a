import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, readBody } from '@sockudo-ts/shared';

// readBody against a real node:http server: a body that arrives whole, one that arrives in pieces, and
// bodies over the limit either way.
describe('readBody', () => {
  let server: Server;
  let port: number;
  const LIMIT = 1000;
  /** outcomes are what readBody ended with, one line per request, as the server saw it. */
  const outcomes: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      readBody(req, LIMIT).then(
        (body) => res.end(`ok ${body.length} ${body.toString().slice(0, 20)}`),
        (err: unknown) => {
          outcomes.push(`error ${err instanceof HttpError ? err.status : 'other'}`);
          res.end(`error ${err instanceof HttpError ? err.status : 'other'}`);
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** send writes a request in the given pieces, 20 ms apart, and returns the response body. */
  function send(pieces: string[]): Promise<string> {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', async () => {
        for (const piece of pieces) {
          socket.write(piece);
          await new Promise((r) => setTimeout(r, 20));
        }
      });
      let out = '';
      socket.on('data', (d: Buffer) => {
        out += d.toString();
        if (/\r\n\r\n[\s\S]*(ok|error)/.test(out)) {
          socket.destroy();
          resolve(out.slice(out.indexOf('\r\n\r\n') + 4));
        }
      });
    });
  }

  const head = (length: number): string => `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`;

  it('reads a body that arrived with its headers', async () => {
    expect(await send([`${head(11)}hello world`])).toBe('ok 11 hello world');
  });

  it('reads a body that arrives in pieces after the headers', async () => {
    expect(await send([head(11), 'hello', ' world'])).toBe('ok 11 hello world');
  });

  it('reads an empty body', async () => {
    expect(await send([head(0)])).toBe('ok 0 ');
  });

  it('refuses a body over the limit with 413, announced or chunked', async () => {
    expect(await send([`${head(LIMIT + 1)}${'x'.repeat(LIMIT + 1)}`])).toBe('error 413');
    const chunked = `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    const big = 'y'.repeat(LIMIT + 1);
    expect(await send([`${chunked}${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`])).toBe('error 413');
    expect(await send([chunked, `200\r\n${'z'.repeat(512)}\r\n`, `200\r\n${'z'.repeat(512)}\r\n`, '0\r\n\r\n'])).toBe('error 413');
  });

  it('fails with 400 (and does not wait forever) when the client goes away in the middle of the body', async () => {
    const before = outcomes.length;
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`${head(100)}only part of it`, () => setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50));
      });
    });
    await expect.poll(() => outcomes.slice(before), { timeout: 5000 }).toEqual(['error 400']);
  });
});
