import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import PusherServer from 'pusher';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md5Hex, signHttpRequest } from '@sockudo-ts/shared';
import { ChildService, freePort } from '../../kit/processes.js';
import { APP } from '../src/targets.js';

// why: the floor target is only a floor if it really refuses what a signed API refuses; a server that skipped
// the HMAC or the body check would measure less than any real server can do, and the bench would say so wrongly.
describe('floor-express-signed (bench:instructions target)', () => {
  let server: ChildService;

  beforeAll(async () => {
    const port = await freePort();
    const script = fileURLToPath(new URL('../dist/floor-express-signed-server.js', import.meta.url));
    server = new ChildService('floor-express-signed', port, process.execPath, [script, String(port)]);
    await server.start();
  });

  afterAll(async () => {
    await server?.kill();
  });

  const sdk = (secret: string): PusherServer =>
    new PusherServer({ appId: APP.appId, key: APP.key, secret, host: '127.0.0.1', port: String(server.port), useTLS: false });

  it('answers a trigger signed by the pusher SDK with 200', async () => {
    const answer = await sdk(APP.secret).trigger('api-bench', 'bench', { n: 1 });
    expect(answer.status).toBe(200);
  });

  it('refuses a trigger signed with another secret with 401', async () => {
    await expect(sdk('not-the-secret').trigger('api-bench', 'bench', { n: 1 })).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a body that is not the one body_md5 was signed for with 401', async () => {
    const path = `/apps/${APP.appId}/events`;
    const signedBody = JSON.stringify({ name: 'bench', channels: ['api-bench'], data: 'a' });
    const params: Record<string, string> = { auth_key: APP.key, auth_timestamp: String(Math.floor(Date.now() / 1000)), auth_version: '1.0', body_md5: md5Hex(signedBody) };
    params.auth_signature = signHttpRequest(APP.secret, 'POST', path, params);
    const url = `${path}?${new URLSearchParams(params).toString()}`;
    expect(await post(server.port, url, signedBody)).toBe(200);
    expect(await post(server.port, url, signedBody.replace('"a"', '"b"'))).toBe(401);
  });
});

/** post sends one POST with a JSON body and resolves with the status. */
function post(port: number, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}
