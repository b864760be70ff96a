import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import PusherServer from 'pusher';
import { describe, expect, it } from 'vitest';
import { APP_DEFAULTS, asAppId, asChannelName, type App } from '@sockudo-ts/shared';
import { classifyStatus, postWebhook, safeUrl, signedRequest } from '@sockudo-ts/webhook';

const app: App = { ...APP_DEFAULTS, id: asAppId('a1'), key: 'key-a1', secret: 'secret-a1' };
const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

describe('signedRequest', () => {
  it('builds a body and headers the pusher SDK validates, with custom headers that cannot replace the Pusher ones', () => {
    const events = [{ name: 'channel_occupied' as const, channel: asChannelName('ü-room') }];
    const req = signedRequest(app, events, { 'X-Custom': 'yes', 'content-type': 'text/plain', 'X-Pusher-Key': 'forged' }, 1700000000000);
    expect(JSON.parse(req.body)).toEqual({ time_ms: 1700000000000, events });
    expect(req.headers).toEqual({
      'X-Custom': 'yes',
      'Content-Type': 'application/json',
      'X-Pusher-Key': 'key-a1',
      'X-Pusher-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const sdk = new PusherServer({ appId: app.id, key: app.key, secret: app.secret, host: '127.0.0.1' });
    expect(sdk.webhook({ headers: lower(req.headers), rawBody: req.body }).isValid()).toBe(true);
    const other = new PusherServer({ appId: 'a2', key: app.key, secret: 'another-secret', host: '127.0.0.1' });
    expect(other.webhook({ headers: lower(req.headers), rawBody: req.body }).isValid()).toBe(false);
  });
});

describe('classifyStatus', () => {
  it('delivers on 2xx, retries 5xx/408/409/425/429, refuses other answers for good', () => {
    expect(classifyStatus(200).kind).toBe('delivered');
    expect(classifyStatus(204).kind).toBe('delivered');
    for (const s of [500, 502, 503, 504, 408, 409, 425, 429]) expect(classifyStatus(s).kind).toBe('retry');
    for (const s of [301, 400, 401, 403, 404, 410, 413, 422]) expect(classifyStatus(s).kind).toBe('rejected');
  });
});

describe('postWebhook', () => {
  it('retries on timeouts and refused connections and reports the status otherwise', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/slow') return; // never answers
      res.writeHead(req.url === '/gone' ? 410 : 200);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const req = signedRequest(app, [], {});
    expect(await postWebhook(`${base}/ok`, req, 2000)).toEqual({ kind: 'delivered', status: 200 });
    expect(await postWebhook(`${base}/gone`, req, 2000)).toMatchObject({ kind: 'rejected', status: 410 });
    expect(await postWebhook(`${base}/slow`, req, 200)).toMatchObject({ kind: 'retry', reason: 'no response within 200 ms' });
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
    expect(await postWebhook(`${base}/ok`, req, 2000)).toMatchObject({ kind: 'retry', reason: expect.stringContaining('ECONNREFUSED') });
    expect(await postWebhook('ftp://x.test/', req, 2000)).toMatchObject({ kind: 'rejected' });
  });

  it('keeps credentials and query strings out of safeUrl', () => {
    expect(safeUrl('https://user:pw@hooks.test:8443/path/x?token=abc')).toBe('https://hooks.test:8443/path/x');
  });
});
