import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChildService,
  REDIS,
  connected,
  freePort,
  makeMutualTls,
  nextEvent,
  pusherClient,
  rawClient,
  servicesUp,
  startCluster,
  subscribed,
  waitFor,
  type MutualTls,
  type PusherClient,
  type TestCluster,
} from '../kit/index.js';
import { ROOT } from '../kit/process.js';

const up = await servicesUp('presence client certificates suite', REDIS);

// The presence gRPC link with TLS that requires client certificates (issue 14 §4), end to end: gateways that
// present a certificate of the presence service's CA serve presence channels (pusher-js sees member_added across
// them); a gateway with no certificate, or one from another CA, gets nothing from the presence service, refuses its
// clients with a retry-later close and logs which settings to check.

describe.skipIf(!up)('cluster: presence gRPC with TLS client certificates', () => {
  let tls: MutualTls;
  let cluster: TestCluster;
  const clients: PusherClient[] = [];
  const started: ChildService[] = [];

  beforeAll(async () => {
    tls = makeMutualTls();
    cluster = await startCluster({
      gateways: 2,
      env: {
        PRESENCE_GRPC_TLS_CERT_FILE: tls.serverCert,
        PRESENCE_GRPC_TLS_KEY_FILE: tls.serverKey,
        PRESENCE_GRPC_TLS_CA_FILE: tls.caPath,
        PRESENCE_GRPC_TLS_CLIENT_CERT_FILE: tls.clientCert,
        PRESENCE_GRPC_TLS_CLIENT_KEY_FILE: tls.clientKey,
      },
    });
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(started.map((s) => s.kill()));
    await cluster?.stop();
    tls?.remove();
  });

  it('serves presence across gateways that present a certificate of its CA: member_added reaches pusher-js', async () => {
    const ann = pusherClient(cluster.gateway(0), { channelData: () => ({ user_id: 'ann' }) });
    const bob = pusherClient(cluster.gateway(1), { channelData: () => ({ user_id: 'bob' }) });
    clients.push(ann, bob);
    const annChannel = await subscribed(ann, 'presence-mtls');
    const added = nextEvent<{ id: string }>(annChannel, 'pusher:member_added');
    await subscribed(bob, 'presence-mtls');
    expect((await added).id).toBe('bob');
  });

  for (const [label, cert] of [
    ['no client certificate', {}],
    ['a certificate of another CA', { PRESENCE_GRPC_TLS_CLIENT_CERT_FILE: 'rogueCert', PRESENCE_GRPC_TLS_CLIENT_KEY_FILE: 'rogueKey' }],
  ] as const) {
    it(`refuses a gateway with ${label}: its clients are not served and its log says why`, async () => {
      const files = Object.fromEntries(Object.entries(cert).map(([k, v]) => [k, tls[v as 'rogueCert' | 'rogueKey']]));
      const port = await freePort();
      const gateway = new ChildService(
        `gateway (${label})`,
        port,
        process.execPath,
        ['services/gateway/dist/main.js', '--config', cluster.configFile],
        {
          PORT: String(port),
          ADAPTER_DRIVER: 'nats',
          METRICS_ENABLED: 'false',
          INSTANCE_PROCESS_ID: `rogue-${Date.now()}`,
          PRESENCE_GRPC_TLS_CA_FILE: tls.caPath,
          PRESENCE_GRPC_TLS_CLIENT_CERT_FILE: '',
          PRESENCE_GRPC_TLS_CLIENT_KEY_FILE: '',
          ...files,
        },
        ROOT,
      );
      started.push(gateway);
      await gateway.start();
      const eve = pusherClient({ host: '127.0.0.1', port: gateway.port, app: cluster.app }, { channelData: () => ({ user_id: 'eve' }) });
      clients.push(eve);
      const refused = new Promise<unknown>((resolve) => eve.connection.bind('error', resolve));
      expect(JSON.stringify(await refused)).toContain('Service temporarily unavailable (presence)');
      await waitFor(() => gateway.logs.some((l) => l.includes('presence heartbeat failed')), 30_000, 'the heartbeat warning');
      const warning = gateway.logs.find((l) => l.includes('presence heartbeat failed'))!;
      expect(warning).toMatch(/the presence service (refused|is unreachable or refused) the TLS connection \(check presence\.grpc_tls\.ca_file, client_cert_file and client_key_file/);
      expect(eve.connection.state).not.toBe('connected');
      if (label !== 'no client certificate') return;
      // an outage refuses every handshake; the gateway's log keeps one line per 10 s for them, with a count
      for (let i = 0; i < 30; i++) {
        const raw = await rawClient({ host: '127.0.0.1', port: gateway.port, app: cluster.app });
        expect((await raw.closed).code).toBe(4100);
      }
      const lines = gateway.logs.filter((l) => l.includes('handshake refused: dependency unavailable'));
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines.length).toBeLessThan(31);
      for (const line of lines.slice(1)) expect(line).toMatch(/"refusals_not_logged":\d+/);
    }, 120_000);
  }
});
