import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../kit/index.js';

// The metrics listener is internal (issue 14 §4): with metrics.auth_token set, /metrics answers only a caller
// with the token; the health routes stay open for probes.

describe('metrics listener with auth_token', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ config: { metrics: { auth_token: 'scrape-token' } } });
  });
  afterAll(async () => {
    await server?.stop();
  });
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${server.metricsPort}${path}`, { headers });

  it('refuses /metrics without the token or with another one, and serves it with the token', async () => {
    const none = await get('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await get('/metrics', { authorization: 'Bearer wrong' })).status).toBe(401);
    const ok = await get('/metrics', { authorization: 'Bearer scrape-token' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('sockudo_connected');
  });

  it('keeps /up and /ready open for probes', async () => {
    expect((await get('/up')).status).toBe(200);
    expect((await get('/ready')).status).toBe(200);
  });

  it('never logs the token', () => {
    expect(server.logs.join('')).not.toContain('scrape-token');
  });
});
