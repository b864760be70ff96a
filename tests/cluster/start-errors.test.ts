import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../kit/index.js';
import { ROOT, buildOnce } from '../kit/process.js';

/** run starts a built service with only the given environment and returns how it ended. */
function run(service: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [`services/${service}/dist/main.js`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ADAPTER_DRIVER: 'nats', METRICS_ENABLED: 'false', PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// A dependency that is down at start stops a service with exit 1 and one line that names it, with the address
// an operator needs but never the credentials in it (issue 14 §6).
describe('services started with a dependency down', () => {
  beforeAll(() => buildOnce(), 120_000);

  it('names an unreachable NATS without the password in its URL', async () => {
    const port = await freePort();
    const { status, stderr, stdout } = run('gateway', { NATS_SERVERS: `nats://sockudo:n4ts-s3cret@127.0.0.1:${port}` });
    expect(status).toBe(1);
    expect(stderr).toMatch(new RegExp(`^sockudo-ts: cannot start: NATS is unreachable \\(cannot reach nats://\\*\\*\\*@127\\.0\\.0\\.1:${port}: .+\\)\\n$`));
    expect(stderr + stdout).not.toContain('n4ts-s3cret');
  });

  it('names an unreachable Redis without the password in its URL', async () => {
    const nats = await freePort();
    const redis = await freePort();
    const { status, stderr, stdout } = run('presence', { NATS_SERVERS: `nats://127.0.0.1:${nats}`, REDIS_URL: `redis://:r3dis-s3cret@127.0.0.1:${redis}/0`, PRESENCE_GRPC_PORT: '0' });
    expect(status).toBe(1);
    expect(stderr).toMatch(new RegExp(`^sockudo-ts: cannot start: Redis is unreachable \\(cannot reach redis://\\*\\*\\*@127\\.0\\.0\\.1:${redis}/0: .+\\)\\n$`));
    expect(stderr + stdout).not.toContain('r3dis-s3cret');
  });
});
