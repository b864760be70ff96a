import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import PusherServer from 'pusher';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildService, freePort } from '../../kit/processes.js';
import { APP } from '../src/targets.js';

// why: `baseline-per-turn` is only a fair reference if it answers exactly what `baseline` answers, only later in
// the turn; a server that skipped the answer or sent less would measure less than the bare handler does.
describe('baseline and baseline-per-turn (bench targets) answer the same', () => {
  const servers: ChildService[] = [];

  beforeAll(async () => {
    const script = fileURLToPath(new URL('../dist/baseline-server.js', import.meta.url));
    for (const args of [[], ['--per-turn']]) {
      const port = await freePort();
      const server = new ChildService(`baseline${args.join('')}`, port, process.execPath, [script, String(port), ...args]);
      await server.start();
      servers.push(server);
    }
  });

  afterAll(async () => {
    for (const s of servers) await s.kill();
  });

  it('answers a trigger from the pusher SDK with 200 and the same headers and body either way', async () => {
    const answers = await Promise.all(servers.map(async (s) => {
      const sdk = new PusherServer({ appId: APP.appId, key: APP.key, secret: APP.secret, host: '127.0.0.1', port: String(s.port), useTLS: false });
      expect((await sdk.trigger('api-bench', 'bench', { n: 1 })).status).toBe(200);
      return raw(s.port);
    }));
    expect(answers[0]).toMatch(/^200 content-type: application\/json;/);
    expect(answers[1]).toBe(answers[0]);
  });
});

/** raw posts one event and describes the answer: status, headers but Date (name: value;), body. */
function raw(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/apps/${APP.appId}/events`, method: 'POST' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        const headers = Object.entries(res.headers).filter(([name]) => name !== 'date').map(([name, value]) => `${name}: ${String(value)};`);
        resolve(`${res.statusCode} ${headers.join(' ')} ${body}`);
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify({ name: 'bench', channels: ['api-bench'], data: 'x' }));
  });
}
