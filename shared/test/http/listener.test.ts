import { Agent, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, HttpListener } from '@sockudo-ts/shared';

// HttpListener.stop(graceMs), the shutdown every process runs on SIGTERM (`shutdown_grace_period`), against a
// real node:http client: a request in flight finishes within the grace and its connection is closed once it is
// answered, one that outlives the grace is cut, and idle keep-alive connections never hold the stop.

const logger = createLogger({ level: 'silent', service: 'test' });

/** Reply is what a client got for one request: the status and body, or the error that ended it. */
type Reply = { status: number; body: string } | { error: string };

function get(port: number, path: string, agent?: Agent): Promise<Reply> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (err) => resolve({ error: err.message }));
    });
    req.on('error', (err) => resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message }));
    req.end();
  });
}

/** gate is a promise with its resolve function, opened by the test. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('HttpListener stop', () => {
  const listeners: HttpListener[] = [];
  afterEach(async () => {
    await Promise.all(listeners.splice(0).map((l) => l.stop(0)));
  });

  async function listen(request: (path: string, answer: (body: string) => void) => void): Promise<HttpListener> {
    const listener = new HttpListener(
      'test',
      { host: '127.0.0.1', port: 0, key: 'port' },
      { request: (req, res) => request(req.url ?? '/', (body) => res.end(body)) },
      logger,
    );
    await listener.start();
    listeners.push(listener);
    return listener;
  }

  it('lets a request in flight finish within the grace, then refuses new connections', async () => {
    const slow = gate();
    const arrived = gate();
    const listener = await listen((path, answer) => {
      if (path === '/slow') {
        arrived.open();
        void slow.opened.then(() => answer('finished'));
      } else answer('fast');
    });
    const port = listener.port;
    // why: a keep-alive agent that never drops a free socket, as an SDK's: the stop must close the connection
    // once its request is answered, not wait for the client to.
    const agent = new Agent({ keepAlive: true });
    const inFlight = get(port, '/slow', agent);
    await arrived.opened;
    // why: a grace far past the test's timeout: the stop must end because the request finished, not because
    // the grace ran out; the test's timeout reports a stop that waits.
    const stopped = listener.stop(600_000);
    slow.open();
    expect(await inFlight).toEqual({ status: 200, body: 'finished' });
    await stopped;
    expect(await get(port, '/fast')).toEqual({ error: 'ECONNREFUSED' });
    agent.destroy();
  });

  it('cuts a request that outlives the grace, and the stop ends', async () => {
    const arrived = gate();
    const listener = await listen((path) => {
      if (path === '/never') arrived.open();
    });
    const inFlight = get(listener.port, '/never');
    await arrived.opened;
    await listener.stop(200);
    const reply = await inFlight;
    expect(reply).toHaveProperty('error');
    expect(reply).not.toHaveProperty('status');
  });

  it('does not wait for idle keep-alive connections', async () => {
    const listener = await listen((_path, answer) => answer('ok'));
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    try {
      const replies = await Promise.all([1, 2, 3, 4].map(() => get(listener.port, '/', agent)));
      expect(replies).toEqual(Array(4).fill({ status: 200, body: 'ok' }));
      // why: as above, only the closing of the idle connections can end this stop before the test's timeout.
      await listener.stop(600_000);
      expect(await get(listener.port, '/')).toEqual({ error: 'ECONNREFUSED' });
    } finally {
      agent.destroy();
    }
  });
});
