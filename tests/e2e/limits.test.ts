import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  errorOf,
  rawClient,
  rawSignin,
  rawSubscribe,
  startServer,
  type RawClient,
  type TestServer,
} from '../kit/index.js';

describe('authorized connections: sign in or subscribe privately within user_authentication_timeout, else 4009', () => {
  let server: TestServer;
  const raws: RawClient[] = [];
  const raw = async (): Promise<{ c: RawClient; id: string }> => {
    const c = await rawClient(server);
    raws.push(c);
    return { c, id: await c.socketId() };
  };
  beforeAll(async () => {
    server = await startServer({
      app: { enable_authorized_connections: true, enable_user_authentication: true },
      config: { user_authentication_timeout: 1 },
    });
  });
  afterAll(async () => {
    for (const r of raws) r.close();
    await server.stop();
  });

  it('closes idle and public-only sockets with 4009 and keeps signed-in, private and presence ones', async () => {
    const [silent, publicOnly, badPrivate, privateOk, presenceOk, signedIn] = await Promise.all([raw(), raw(), raw(), raw(), raw(), raw()]);
    rawSubscribe(server, publicOnly.c, publicOnly.id, 'news');
    badPrivate.c.send({ event: 'pusher:subscribe', data: { channel: 'private-x', auth: `${server.app.key}:${'0'.repeat(64)}` } });
    rawSubscribe(server, privateOk.c, privateOk.id, 'private-x');
    rawSubscribe(server, presenceOk.c, presenceOk.id, 'presence-x', { user_id: 'p' });
    rawSignin(server, signedIn.c, signedIn.id, { id: 'someone' });
    // the test's timeout is the hang guard: these three close because of the rule, whenever the sweep runs
    for (const s of [silent, publicOnly, badPrivate]) {
      const closed = await s.c.closed;
      expect(closed.code).toBe(4009);
      const error = s.c.frames.find((f) => f.event === 'pusher:error');
      expect(error && errorOf(error).code).toBe(4009);
    }
    // Opened at the same moment, so the sweep that closed the others has already looked at these.
    for (const s of [privateOk, presenceOk, signedIn]) {
      s.c.send({ event: 'pusher:ping', data: {} });
      await s.c.event('pusher:pong');
      expect(s.c.ws.readyState).toBe(s.c.ws.OPEN);
    }
  });
});

describe('per-app limit overrides', () => {
  let server: TestServer;
  const raws: RawClient[] = [];
  const raw = async (): Promise<{ c: RawClient; id: string }> => {
    const c = await rawClient(server);
    raws.push(c);
    return { c, id: await c.socketId() };
  };
  beforeAll(async () => {
    server = await startServer({
      app: {
        max_channel_name_length: 20,
        max_presence_user_id_length: 8,
        max_presence_member_size_in_kb: 2,
        enable_client_messages: true,
        max_event_payload_in_kb: 1,
        max_event_name_length: 20,
      },
    });
  });
  afterAll(async () => {
    for (const r of raws) r.close();
    await server.stop();
  });

  it('applies max_channel_name_length', async () => {
    const s = await raw();
    s.c.send({ event: 'pusher:subscribe', data: { channel: 'c'.repeat(21) } });
    const error = await s.c.event('pusher:error');
    expect(errorOf(error).code).toBe(4300);
    s.c.send({ event: 'pusher:subscribe', data: { channel: 'c'.repeat(20) } });
    await s.c.event('pusher_internal:subscription_succeeded', 'c'.repeat(20));
  });

  it('applies max_presence_user_id_length and max_presence_member_size_in_kb', async () => {
    const s = await raw();
    rawSubscribe(server, s.c, s.id, 'presence-a', { user_id: '123456789' });
    const e1 = await s.c.waitFrame((f) => f.channel === 'presence-a');
    expect(e1.event).toBe('pusher:error');
    rawSubscribe(server, s.c, s.id, 'presence-b', { user_id: '12345678', user_info: { blob: 'x'.repeat(1500) } });
    await s.c.event('pusher_internal:subscription_succeeded', 'presence-b');
    rawSubscribe(server, s.c, s.id, 'presence-c', { user_id: 'u', user_info: { blob: 'x'.repeat(2100) } });
    const e2 = await s.c.waitFrame((f) => f.channel === 'presence-c');
    expect(e2.event).toBe('pusher:error');
    expect(errorOf(e2).message).toMatch(/2 KB/);
  });

  it('applies max_event_payload_in_kb and max_event_name_length to client events', async () => {
    const a = await raw();
    const b = await raw();
    for (const s of [a, b]) {
      rawSubscribe(server, s.c, s.id, 'private-small');
      await s.c.event('pusher_internal:subscription_succeeded', 'private-small');
    }
    a.c.send({ event: 'client-big', channel: 'private-small', data: 'x'.repeat(1025) });
    a.c.send({ event: 'client-' + 'n'.repeat(14), channel: 'private-small', data: 'ok' });
    a.c.send({ event: 'client-ok', channel: 'private-small', data: 'x'.repeat(1024) });
    await b.c.event('client-ok', 'private-small');
    expect(a.c.frames.filter((f) => f.event === 'pusher:error').map((f) => errorOf(f).code)).toEqual([4301, 4301]);
    expect(b.c.frames.filter((f) => f.event.startsWith('client-')).map((f) => f.event)).toEqual(['client-ok']);
  });
});
