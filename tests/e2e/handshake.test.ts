import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  connected,
  errorOf,
  newApp,
  parseData,
  pusherClient,
  rawClient,
  reachesState,
  startServer,
  type PusherClient,
  type RawClient,
  type TestServer,
} from '../kit/index.js';

/**
 * expectRefusal opens a raw socket with `open` and checks its refusal: one pusher:error frame with the code, then
 * a close with that code. The close must complete through the closing handshake (the server reads the client's
 * close reply and ends the connection), not through the server's timer that cuts a socket which never answers.
 * why: setTimeout is frozen meanwhile, in this process, which holds the embedded server: a close that relied on
 * the cut timer would never complete, and the test's timeout reports it, with no clock in the assertion.
 */
async function expectRefusal(open: () => Promise<RawClient>, code: number): Promise<{ client: RawClient; message: string }> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  try {
    const client = await open();
    const closed = await client.closed;
    expect(client.frames.map((f) => f.event)).toEqual(['pusher:error']);
    const error = errorOf(client.frames[0]!);
    expect(error.code).toBe(code);
    expect(typeof error.message).toBe('string');
    expect(error.message.length).toBeGreaterThan(0);
    expect(closed.code).toBe(code);
    return { client, message: error.message };
  } finally {
    vi.useRealTimers();
  }
}

// why: a refusal test that failed inside expectRefusal must not leave the next test with frozen timers.
afterEach(() => {
  vi.useRealTimers();
});

describe('handshake: connection_established and refusals by path, protocol, app and origin', () => {
  let server: TestServer;
  const disabled = newApp({ enabled: false });
  const limited = newApp({ max_connections: 1 });
  const strict = newApp({ allowed_origins: ['https://good.example', 'https://*.trusted.example'] });
  const raws: RawClient[] = [];
  const clients: PusherClient[] = [];
  const raw = async (path?: string, headers?: Record<string, string>): Promise<RawClient> => {
    const c = await rawClient(server, path, headers);
    raws.push(c);
    return c;
  };
  beforeAll(async () => {
    server = await startServer({ config: { activity_timeout: 7 }, extraApps: [disabled, limited, strict] });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await server.stop();
  });

  it('sends connection_established first, with a digits.digits socket id and the configured activity_timeout', async () => {
    const c = await raw();
    const first = await c.waitFrame(() => true);
    expect(first.event).toBe('pusher:connection_established');
    expect(typeof first.data).toBe('string');
    const data = parseData<{ socket_id: string; activity_timeout: number }>(first);
    expect(data.socket_id).toMatch(/^\d+\.\d+$/);
    expect(data.activity_timeout).toBe(7);
    expect(Object.keys(data).sort()).toEqual(['activity_timeout', 'socket_id']);
  });

  it('gives every socket a different socket id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const c = await raw();
      ids.add(await c.socketId());
      c.close();
    }
    expect(ids.size).toBe(20);
  });

  it('accepts protocol 5, 6 and 7 and a trailing slash', async () => {
    for (const path of [`/app/${server.app.key}?protocol=5`, `/app/${server.app.key}?protocol=6`, `/app/${server.app.key}/?protocol=7`]) {
      const c = await raw(path);
      expect(await c.socketId()).toMatch(/^\d+\.\d+$/);
    }
  });

  it('refuses an unknown app key with 4001', async () => {
    await expectRefusal(() => raw('/app/no-such-key?protocol=7'), 4001);
  });

  it('refuses an unknown multi-byte app key with 4001 only (the close reason fits in 123 bytes)', async () => {
    const { client, message } = await expectRefusal(() => raw(`/app/${'%E2%82%AC'.repeat(64)}?protocol=7`), 4001);
    expect(message).toContain('€');
    expect(Buffer.byteLength((await client.closed).reason)).toBeLessThanOrEqual(123);
  });

  it('refuses a disabled app with 4003', async () => {
    await expectRefusal(() => raw(`/app/${disabled.key}?protocol=7`), 4003);
  });

  it('refuses a connection over the app max_connections with 4004, and admits again once one leaves', async () => {
    const first = await raw(`/app/${limited.key}?protocol=7`);
    await first.socketId();
    await expectRefusal(() => raw(`/app/${limited.key}?protocol=7`), 4004);
    first.close();
    await first.closed;
    // The slot frees up once the server has seen the close; a retry loop bounds the wait.
    let admitted = false;
    for (let i = 0; i < 50 && !admitted; i++) {
      const again = await raw(`/app/${limited.key}?protocol=7`);
      const f = await again.waitFrame(() => true);
      admitted = f.event === 'pusher:connection_established';
      if (!admitted) await again.closed;
    }
    expect(admitted).toBe(true);
  });

  it('refuses any path other than /app/{key} with 4005', async () => {
    await expectRefusal(() => raw('/socket?protocol=7'), 4005);
    await expectRefusal(() => raw(`/app/${server.app.key}/extra?protocol=7`), 4005);
    await expectRefusal(() => raw('/app/?protocol=7'), 4005);
  });

  it('refuses a non-numeric protocol with 4006', async () => {
    await expectRefusal(() => raw(`/app/${server.app.key}?protocol=seven`), 4006);
    await expectRefusal(() => raw(`/app/${server.app.key}?protocol=7.5`), 4006);
    await expectRefusal(() => raw(`/app/${server.app.key}?protocol=${'%F0%9F%98%80'.repeat(40)}`), 4006);
  });

  it('refuses an unsupported protocol with 4007', async () => {
    await expectRefusal(() => raw(`/app/${server.app.key}?protocol=4`), 4007);
    await expectRefusal(() => raw(`/app/${server.app.key}?protocol=8`), 4007);
  });

  it('refuses a missing protocol with 4008', async () => {
    await expectRefusal(() => raw(`/app/${server.app.key}`), 4008);
    await expectRefusal(() => raw(`/app/${server.app.key}?client=js&version=8.6.0`), 4008);
  });

  it('refuses an origin outside allowed_origins with 4009 and admits allowed ones', async () => {
    await expectRefusal(() => raw(`/app/${strict.key}?protocol=7`, { Origin: 'https://evil.example' }), 4009);
    await expectRefusal(() => raw(`/app/${strict.key}?protocol=7`, { Origin: 'https://good.example.evil.example' }), 4009);
    const good = await raw(`/app/${strict.key}?protocol=7`, { Origin: 'https://good.example' });
    expect(await good.socketId()).toMatch(/^\d+\.\d+$/);
    const wild = await raw(`/app/${strict.key}?protocol=7`, { Origin: 'https://eu.trusted.example' });
    expect(await wild.socketId()).toMatch(/^\d+\.\d+$/);
  });

  it('surfaces a refusal to pusher-js as an error with the code, and pusher-js does not reconnect', async () => {
    const client = pusherClient(server, { app: { ...server.app, key: 'unknown-key' } });
    clients.push(client);
    // pusher-js reports the handshake's pusher:error as a WebSocketError wrapping {type:'PusherError', data}.
    const error = new Promise<{ type: string; data: { code: number; message: string } }>((resolve) =>
      client.connection.bind('error', (e: { error?: { type: string; data: { code: number; message: string } } }) => {
        if (e.error?.type === 'PusherError') resolve(e.error);
      }),
    );
    const { data } = await error;
    expect(data.code).toBe(4001);
    expect(data.message).toContain('unknown-key');
    await reachesState(client, 'disconnected');
  });

  it('lets pusher-js connect to a good app', async () => {
    const client = pusherClient(server);
    clients.push(client);
    expect(await connected(client)).toMatch(/^\d+\.\d+$/);
  });
});

describe('handshake: the node connection cap (websocket.max_connections)', () => {
  let server: TestServer;
  const raws: RawClient[] = [];
  beforeAll(async () => {
    server = await startServer({ config: { websocket: { max_connections: 2 } }, extraApps: [newApp()] });
  });
  afterAll(async () => {
    for (const r of raws) r.close();
    await server.stop();
  });

  it('refuses the socket over the node cap with 4100, whatever the app', async () => {
    for (let i = 0; i < 2; i++) {
      const c = await rawClient(server);
      raws.push(c);
      await c.socketId();
    }
    await expectRefusal(async () => {
      const over = await rawClient(server, `/app/${server.apps[1]!.key}?protocol=7`);
      raws.push(over);
      return over;
    }, 4100);
  });
});

describe('handshake: the node connection cap under a burst of simultaneous connections', () => {
  let server: TestServer;
  const raws: RawClient[] = [];
  beforeAll(async () => {
    server = await startServer({ config: { websocket: { max_connections: 2 } } });
  });
  afterAll(async () => {
    for (const r of raws) r.close();
    await server.stop();
  });

  it('admits exactly the cap and refuses the rest with 4100', async () => {
    const burst = await Promise.all(Array.from({ length: 8 }, () => rawClient(server)));
    raws.push(...burst);
    const firsts = await Promise.all(burst.map((c) => c.waitFrame(() => true)));
    expect(firsts.filter((f) => f.event === 'pusher:connection_established')).toHaveLength(2);
    expect(firsts.filter((f) => f.event === 'pusher:error' && errorOf(f).code === 4100)).toHaveLength(6);
  });
});

describe('shutdown: every socket is told to reconnect now (4200)', () => {
  let server: TestServer;
  const raws: RawClient[] = [];
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const r of raws) r.close();
    await server.stop();
  });

  it('sends pusher:error 4200 and closes with 4200 on stop', async () => {
    const a = await rawClient(server);
    const b = await rawClient(server);
    raws.push(a, b);
    await Promise.all([a.socketId(), b.socketId()]);
    const stopped = server.stop();
    for (const c of [a, b]) {
      expect((await c.closed).code).toBe(4200);
      const error = c.frames.find((f) => f.event === 'pusher:error');
      expect(error && errorOf(error).code).toBe(4200);
    }
    await stopped;
  });
});
