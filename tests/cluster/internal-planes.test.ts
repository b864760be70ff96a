import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcPresence } from '@sockudo-ts/shared/implementations';
import {
  ChildService,
  NATS_SERVER_BINARY,
  REDIS,
  apiClient,
  binariesPresent,
  connected,
  freePort,
  nextEvent,
  pusherClient,
  servicesUp,
  startCluster,
  subscribed,
  type PusherClient,
  type TestCluster,
} from '../kit/index.js';

const up = (await servicesUp('internal planes suite', REDIS)) && binariesPresent('internal planes suite', NATS_SERVER_BINARY);

// The internal planes are not open doors (issue 14 §4): a cluster started with ENVIRONMENT=production, a shared
// token on the presence gRPC link and a NATS server that requires a user and password. Someone on the network
// without those credentials can neither call the presence service (to insert members or wipe a gateway's
// sockets) nor connect to NATS (to inject frames), while a pusher-js bystander keeps receiving.

describe.skipIf(!up)('cluster: authenticated presence gRPC and NATS', () => {
  let nats: ChildService;
  let cluster: TestCluster;
  let bystander: PusherClient;
  const TOKEN = 'presence-shared-token-for-this-test';

  beforeAll(async () => {
    const port = await freePort();
    nats = new ChildService('nats-server', port, NATS_SERVER_BINARY.path, ['-a', '127.0.0.1', '-p', String(port), '--user', 'sockudo', '--pass', 'nats-pass']);
    await nats.start();
    cluster = await startCluster({
      gateways: 1,
      natsUrl: `nats://127.0.0.1:${port}`,
      env: { ENVIRONMENT: 'production', ADAPTER_DRIVER: 'nats', PRESENCE_GRPC_TOKEN: TOKEN, NATS_USERNAME: 'sockudo', NATS_PASSWORD: 'nats-pass' },
    });
    bystander = pusherClient(cluster.gateway(0));
    await connected(bystander);
    await subscribed(bystander, 'bystander');
  }, 120_000);
  afterAll(async () => {
    bystander?.disconnect();
    await cluster?.stop();
    await nats?.kill('SIGTERM');
  });

  const bystanderStillReceives = async (n: number): Promise<void> => {
    const got = nextEvent<{ n: number }>(bystander.channel('bystander') as never, 'tick');
    await apiClient(cluster.apiEndpoint).trigger('bystander', 'tick', { n });
    expect(await got).toEqual({ n });
  };

  it('works end to end for a client, with every internal link authenticated', async () => {
    await bystanderStillReceives(1);
  });

  it('refuses presence calls without the token: no wiping a gateway, no reading an app', async () => {
    const attacker = new GrpcPresence({ url: `127.0.0.1:${cluster.presence.port}`, deadlineMs: 5000 });
    try {
      const wipe = await attacker.register({ nodeId: `${cluster.redisPrefix}gateway-1` as never, sockets: [] }).catch((e: unknown) => e as Error);
      expect(wipe).toBeInstanceOf(Error);
      expect((wipe as Error).message).toMatch(/missing or wrong token/);
      const read = await attacker.channels(cluster.app.id as never).catch((e: unknown) => e as Error);
      expect((read as Error).message).toMatch(/missing or wrong token/);
    } finally {
      attacker.close();
    }
    await bystanderStillReceives(2);
  });

  it('refuses NATS connections without the credentials', async () => {
    const refused = await connect({ servers: [`nats://127.0.0.1:${nats.port}`], reconnect: false, timeout: 5000 }).then(
      async (nc) => {
        await nc.close();
        return 'connected';
      },
      (err: Error) => err.message,
    );
    expect(refused).toMatch(/Authorization Violation/i);
    await bystanderStillReceives(3);
  });
});
