import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { apiCall, apiClient, newApp, startServer, subscribed, pusherClient, waitFor, type TestServer } from '../kit/index.js';
import { CountingAgent, httpRequest, sendHeadersOnly, signedPath, signedRequest } from '../kit/http.js';

/** abortMidBody sends a signed POST that announces 100 bytes, sends 3, and hangs up. */
async function abortMidBody(server: TestServer): Promise<void> {
  const { socket } = await sendHeadersOnly(server, signedPath(server.app, 'POST', '/events', 'x'), 100);
  socket.write('abc');
  await new Promise((r) => setTimeout(r, 50));
  socket.destroy();
}

// Request signing, app lookup, routes, health, keep-alive and body limits of the HTTP API (PROTOCOL.md §8).
describe('HTTP API: signing, routes, health and transport', () => {
  let server: TestServer;
  const disabled = newApp({ enabled: false });
  const other = newApp();

  beforeAll(async () => {
    server = await startServer({ extraApps: [disabled, other], config: { http_api: { request_limit_in_mb: 0.05 } } });
  });
  afterAll(async () => {
    await server.stop();
  });

  const trigger = { name: 'e', channels: ['signing-test'], data: '{}' };

  describe('signature checks', () => {
    it('accepts a correctly signed request', async () => {
      const res = await signedRequest(server, { path: '/events', body: trigger });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({});
    });

    it('rejects an unknown auth_key with 401', async () => {
      const res = await signedRequest(server, { path: '/events', body: trigger, key: 'not-a-key' });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: expect.stringMatching(/auth_key/) });
    });

    it('rejects the key of another app with 401 (the key must belong to the app in the path)', async () => {
      const res = await signedRequest(server, { path: '/events', body: trigger, key: other.key, secret: other.secret });
      expect(res.status).toBe(401);
    });

    it('rejects a signature made with the wrong secret with 401', async () => {
      const res = await signedRequest(server, { path: '/events', body: trigger, secret: 'wrong-secret' });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: expect.stringMatching(/signature/) });
    });

    it('rejects a missing or malformed signature with 401', async () => {
      expect((await signedRequest(server, { path: '/channels', signature: '' })).status).toBe(401);
      expect((await signedRequest(server, { path: '/channels', signature: 'zz' })).status).toBe(401);
    });

    it('rejects a timestamp more than 600 s old or ahead with 401, and accepts one within the window', async () => {
      const now = Math.floor(Date.now() / 1000);
      const stale = await signedRequest(server, { path: '/events', body: trigger, timestamp: now - 660 });
      expect(stale.status).toBe(401);
      expect(stale.json).toEqual({ error: expect.stringMatching(/auth_timestamp/) });
      expect((await signedRequest(server, { path: '/events', body: trigger, timestamp: now + 660 })).status).toBe(401);
      expect((await signedRequest(server, { path: '/events', body: trigger, timestamp: now - 540 })).status).toBe(200);
      // Milliseconds, or no number at all, are refused with a message that says what is expected.
      const millis = await signedRequest(server, { path: '/events', body: trigger, timestamp: Date.now() });
      expect(millis.status).toBe(401);
      expect(millis.json).toEqual({ error: expect.stringMatching(/auth_timestamp.*seconds/) });
      expect((await signedRequest(server, { path: '/channels', query: { auth_timestamp: '' } })).status).toBe(401);
    });

    it('rejects a body_md5 that does not match the body with 401, and a missing one', async () => {
      const wrong = await signedRequest(server, { path: '/events', body: trigger, bodyMd5: 'ec365a775a4cd0599faeb73354201b6f' });
      expect(wrong.status).toBe(401);
      expect(wrong.json).toEqual({ error: expect.stringMatching(/body_md5/) });
      expect((await signedRequest(server, { path: '/events', body: trigger, bodyMd5: null })).status).toBe(401);
    });

    it('rejects a request whose signed query was altered in transit with 401', async () => {
      // Sign one prefix, send another: the server must recompute over what it received.
      const res = await signedRequest(server, {
        path: '/channels',
        query: { filter_by_prefix: 'presence-' },
        signature: (await import('@sockudo-ts/shared')).signHttpRequest(server.app.secret, 'GET', `/apps/${server.app.id}/channels`, {
          auth_key: server.app.key,
          auth_timestamp: String(Math.floor(Date.now() / 1000)),
          auth_version: '1.0',
          filter_by_prefix: 'private-',
        }),
      });
      expect(res.status).toBe(401);
    });
  });

  describe('one parsed query: a repeated key', () => {
    it('refuses a repeated query key with 401 naming it, whichever copy was signed', async () => {
      // Signed with filter_by_prefix=presence-; a second value in front was read by the handler before.
      const before = await signedRequest(server, { path: '/channels', query: { filter_by_prefix: 'presence-' }, editQuery: (q) => `filter_by_prefix=private-&${q}` });
      expect(before.status).toBe(401);
      expect(before.json).toEqual({ error: expect.stringMatching(/filter_by_prefix.*repeated/) });
      const after = await signedRequest(server, { path: '/channels', query: { filter_by_prefix: 'presence-' }, editQuery: (q) => `${q}&filter_by_prefix=private-` });
      expect(after.status).toBe(401);
      expect(after.json).toEqual({ error: expect.stringMatching(/filter_by_prefix.*repeated/) });
      const twoSignatures = await signedRequest(server, { path: '/events', body: trigger, editQuery: (q) => `${q}&auth_signature=${'0'.repeat(64)}` });
      expect(twoSignatures.status).toBe(401);
      expect(twoSignatures.json).toEqual({ error: expect.stringMatching(/auth_signature.*repeated/) });
    });

    it('refuses a key repeated in another letter case, as the pusher SDK sends it', async () => {
      const res = await apiCall(() => apiClient(server).get({ path: '/channels', params: { filter_by_prefix: 'presence-', FILTER_BY_PREFIX: 'private-' } }));
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: expect.stringMatching(/FILTER_BY_PREFIX.*repeated|filter_by_prefix.*repeated/) });
    });

    it('serves the pusher SDK\'s generic signed get and post from the query it signed', async () => {
      const pusher = pusherClient(server);
      try {
        const channel = await subscribed(pusher, 'query-a-1');
        await subscribed(pusher, 'query-b-1');
        const sdk = apiClient(server);
        const listed = await apiCall(() => sdk.get({ path: '/channels', params: { filter_by_prefix: 'query-a', info: 'subscription_count' } }));
        expect(listed).toMatchObject({ status: 200, body: { channels: { 'query-a-1': { subscription_count: 1 } } } });
        expect(Object.keys((listed.body as { channels: object }).channels)).toEqual(['query-a-1']);
        const got = new Promise((resolve) => channel.bind('generic', resolve));
        const posted = await apiCall(() => sdk.post({ path: '/events', body: { name: 'generic', channels: ['query-a-1'], data: '{"n":1}' } as never }));
        expect(posted).toMatchObject({ status: 200, body: {} });
        expect(await got).toEqual({ n: 1 });
      } finally {
        pusher.disconnect();
      }
    });
  });

  describe('apps and routes', () => {
    it('answers 403 for a disabled app, even with a good signature', async () => {
      const res = await signedRequest(server, { path: '/events', body: trigger, app: disabled });
      expect(res.status).toBe(403);
      expect(res.json).toEqual({ error: expect.stringMatching(/disabled/i) });
    });

    it('answers 404 for an unknown app id', async () => {
      const res = await signedRequest(server, { path: '/events', body: trigger, appId: 'no-such-app' });
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: expect.stringMatching(/app/i) });
    });

    it('answers 404 for an unknown route under a known app', async () => {
      const res = await signedRequest(server, { path: '/nothing_here' });
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: expect.any(String) });
      expect((await signedRequest(server, { path: '/channels/a/b/c' })).status).toBe(404);
    });

    it('answers 404 with a JSON body for paths outside /apps and health', async () => {
      const res = await httpRequest(server, 'GET', '/no/such/path');
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: expect.any(String) });
    });

    it('answers a malformed HTTP request with 400 and an oversized header with 431, instead of a reset', async () => {
      const send = (text: string): Promise<string> =>
        new Promise((resolve) => {
          const socket = connect(server.port, server.host, () => socket.write(text));
          let out = '';
          socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
          socket.on('close', () => resolve(out));
          socket.on('error', () => undefined);
        });
      expect(await send('NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
      expect(await send(`GET /up HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
      expect((await httpRequest(server, 'GET', '/up')).status).toBe(200);
    });

    it('refuses the wrong method on a known route', async () => {
      const res = await signedRequest(server, { method: 'GET', path: '/events' });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST');
    });

    it('refuses HEAD on a GET route, and a wrong method only for a signed request', async () => {
      const head = await signedRequest(server, { method: 'HEAD', path: '/channels' });
      expect(head.status).toBe(405);
      expect(head.headers.allow).toBe('GET');
      const unsigned = await httpRequest(server, 'GET', `/apps/${server.app.id}/events`);
      expect(unsigned.status).toBe(401);
    });

    it('answers 400 naming the body when it is not JSON', async () => {
      const res = await signedRequest(server, { path: '/events', body: '{"name": ' });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ error: expect.stringMatching(/JSON/) });
    });
  });

  describe('health', () => {
    it('answers GET / and GET /up with 200 OK', async () => {
      for (const path of ['/', '/up']) {
        const res = await httpRequest(server, 'GET', path);
        expect(res.status).toBe(200);
        expect(res.text).toBe('OK');
      }
    });

    it('answers GET /up/{app_id} with 200 for a known app and 404 for an unknown one', async () => {
      expect((await httpRequest(server, 'GET', `/up/${server.app.id}`)).status).toBe(200);
      expect((await httpRequest(server, 'GET', `/up/${other.id}`)).text).toBe('OK');
      expect((await httpRequest(server, 'GET', '/up/unknown-app')).status).toBe(404);
    });

    it('survives a malformed app id in /up/{app_id} (400) and keeps serving', async () => {
      expect((await httpRequest(server, 'GET', '/up/%ZZ')).status).toBe(400);
      expect((await httpRequest(server, 'GET', `/up/${encodeURIComponent(server.app.id)}`)).status).toBe(200);
    });
  });

  describe('keep-alive', () => {
    it('serves many requests, successes and errors, over one connection without Connection: close', async () => {
      const agent = new CountingAgent();
      try {
        const results = [];
        results.push(await signedRequest(server, { path: '/events', body: trigger, agent }));
        results.push(await signedRequest(server, { path: '/channels', agent }));
        results.push(await signedRequest(server, { path: '/events', body: trigger, secret: 'bad', agent }));
        results.push(await signedRequest(server, { path: '/events', body: { name: 'e' }, agent }));
        results.push(await signedRequest(server, { path: '/events', body: trigger, appId: 'nope', agent }));
        results.push(await httpRequest(server, 'GET', '/up', '', { agent }));
        results.push(await signedRequest(server, { path: '/events', body: trigger, agent }));
        expect(results.map((r) => r.status)).toEqual([200, 200, 401, 400, 404, 200, 200]);
        for (const r of results) expect(r.headers.connection).not.toBe('close');
        expect(agent.connections).toBe(1);
      } finally {
        agent.destroy();
      }
    });
  });

  describe('body size limit (http_api.request_limit_in_mb)', () => {
    it('answers 413 for a body over the limit, with a JSON error', async () => {
      const big = JSON.stringify({ name: 'e', channels: ['big'], data: 'x'.repeat(60 * 1024) });
      const res = await signedRequest(server, { path: '/events', body: big });
      expect(res.status).toBe(413);
      expect(res.json).toEqual({ error: expect.stringMatching(/larger/) });
    });

    it('keeps serving the connection after refusing a large body', async () => {
      const agent = new CountingAgent();
      try {
        const big = JSON.stringify({ name: 'e', channels: ['big'], data: 'x'.repeat(60 * 1024) });
        expect((await signedRequest(server, { path: '/events', body: big, agent })).status).toBe(413);
        expect((await signedRequest(server, { path: '/events', body: trigger, agent })).status).toBe(200);
      } finally {
        agent.destroy();
      }
    });

    it('accepts a body just under the limit (the limit is not the 10 KB event limit)', async () => {
      const batch = { batch: Array.from({ length: 4 }, (_, i) => ({ name: 'e', channel: `c${i}`, data: 'y'.repeat(9 * 1024) })) };
      expect((await signedRequest(server, { path: '/batch_events', body: batch })).status).toBe(200);
    });
  });

  describe('logs', () => {
    it('never contain an app secret or an auth_signature, even after failed or aborted requests', async () => {
      await signedRequest(server, { path: '/events', body: trigger, secret: 'bad' });
      await signedRequest(server, { path: '/events', body: '{' });
      await signedRequest(server, { path: '/events', body: trigger });
      await abortMidBody(server);
      await waitFor(() => server.logs.some((l) => l.includes('ended early')), 5000, 'the aborted request to be logged');
      // A client going away is the client's failure: logged as a refused request, not a server error.
      expect(server.logs.filter((l) => l.includes('"level":50'))).toEqual([]);
      const logs = server.logs.join('');
      // The refusal is logged (at debug) with its reason, so the check below looks at real request lines.
      expect(logs).toMatch(/"status":401[^\n]*Invalid auth_signature/);
      for (const app of server.apps) expect(logs).not.toContain(app.secret);
      expect(logs).not.toContain('auth_signature=');
      // Signatures (request, channel, user) are 64 hex digits; none may be logged.
      expect(logs).not.toMatch(/[0-9a-f]{64}/);
    });
  });
});
