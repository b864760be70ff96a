import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChildService,
  NATS_SERVER_BINARY,
  REDIS,
  apiClient,
  binariesPresent,
  connected,
  freePort,
  makeMutualTls,
  nextEvent,
  pusherClient,
  servicesUp,
  startCluster,
  startSecuredNats,
  subscribed,
  type MutualTls,
  type NatsAuthMode,
} from '../kit/index.js';
import { ROOT } from '../kit/process.js';

const up = (await servicesUp('NATS credentials suite', REDIS)) && binariesPresent('NATS credentials suite', NATS_SERVER_BINARY);

// Every way sockudo-ts can authenticate to NATS, end to end (issue 14 §4): a private nats-server that requires
// one kind of credentials (user and password, token, NKey, a user JWT of a trusted operator in a .creds file,
// a TLS client certificate of its CA); a cluster given the matching settings serves pusher-js an event the
// SDK triggered; a process given wrong or no credentials refuses to start, says why, and prints no secret.

const MODES: Array<{ mode: NatsAuthMode; refusal: RegExp }> = [
  { mode: 'user', refusal: /NATS refused the credentials/ },
  { mode: 'token', refusal: /NATS refused the credentials/ },
  { mode: 'nkey', refusal: /NATS refused the credentials/ },
  { mode: 'creds', refusal: /NATS refused the credentials/ },
  { mode: 'tls', refusal: /NATS did not complete the TLS connection/ },
];

/** refusedStart starts only an api process against `natsUrl` with `env`; resolves with its logs once it exited. */
async function refusedStart(natsUrl: string, env: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sockudo-nats-refused-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ host: '127.0.0.1', metrics: { enabled: false }, app_manager: { driver: 'memory', array: { apps: [{ id: 'refused', key: 'refused-key', secret: 'refused-secret-0123456789' }] } } }));
  const api = new ChildService('api (wrong NATS credentials)', await freePort(), process.execPath, ['services/api/dist/main.js', '--config', config], { ADAPTER_DRIVER: 'nats', NATS_SERVERS: natsUrl, ...env }, ROOT);
  try {
    await expect(api.start()).rejects.toThrow(/exited \(1\) before listening/);
    return api.logs.join('\n');
  } finally {
    await api.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!up)('cluster: NATS user/password, token, NKey, creds (JWT) and TLS client certificates', () => {
  let tls: MutualTls;
  beforeAll(() => {
    tls = makeMutualTls();
  });
  afterAll(() => tls?.remove());

  for (const { mode, refusal } of MODES) {
    it(`${mode}: the cluster delivers an SDK-triggered event to pusher-js; wrong or missing credentials stop a process with a clear message and no secret`, async () => {
      const nats = await startSecuredNats(mode, tls);
      try {
        const cluster = await startCluster({ gateways: 1, bus: 'nats', natsUrl: nats.url, env: nats.good });
        const client = pusherClient(cluster.gateway(0));
        try {
          await connected(client);
          await subscribed(client, `nats-${mode}`);
          const got = nextEvent<{ mode: string }>(client.channel(`nats-${mode}`) as never, 'hello');
          await apiClient(cluster.apiEndpoint).trigger(`nats-${mode}`, 'hello', { mode });
          expect(await got).toEqual({ mode });
        } finally {
          client.disconnect();
          await cluster.stop();
        }
        const none: Record<string, string> = mode === 'tls' ? { NATS_TLS_CA_FILE: tls.caPath } : {};
        for (const env of [nats.bad, none]) {
          const logs = await refusedStart(nats.url, env);
          expect(logs).toMatch(new RegExp(`cannot start: ${refusal.source}`));
          for (const secret of nats.secrets) expect(logs).not.toContain(secret);
        }
      } finally {
        await nats.stop();
      }
    }, 240_000);
  }
});
