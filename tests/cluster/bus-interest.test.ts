import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asChannelName, asNodeId, type BusMessage } from '@sockudo-ts/shared';
import { NatsBus, encodeToken } from '@sockudo-ts/shared/implementations';
import {
  NATS_SERVER_BINARY,
  binariesPresent,
  REDIS,
  freePort,
  pusherClient,
  servicesUp,
  startCluster,
  startNatsServer,
  subscribed,
  waitFor,
  type ChildService,
  type PusherClient,
  type TestCluster,
} from '../kit/index.js';
import { signedRequest } from '../kit/http.js';

const up = (await servicesUp('cluster: NATS subjects', REDIS)) && binariesPresent('cluster: NATS subjects', NATS_SERVER_BINARY);

describe.skipIf(!up)('cluster: what crosses NATS', () => {
  let nats: ChildService;
  let monitor: number;
  let cluster: TestCluster;
  const clients: PusherClient[] = [];
  beforeAll(async () => {
    monitor = await freePort();
    nats = await startNatsServer(monitor);
    cluster = await startCluster({ bus: 'nats', natsUrl: `nats://127.0.0.1:${nats.port}` });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
    await nats?.kill();
  });

  /** subjects maps each gateway (by node id suffix) to the channel subjects it subscribes on NATS. */
  async function channelSubjects(): Promise<Record<string, string[]>> {
    const res = await fetch(`http://127.0.0.1:${monitor}/connz?subs=1`);
    const body = (await res.json()) as { connections: Array<{ name?: string; subscriptions_list?: string[] }> };
    const out: Record<string, string[]> = {};
    for (const c of body.connections) {
      const gateway = /(gateway-\d+)$/.exec(c.name ?? '')?.[1];
      if (gateway) out[gateway] = (c.subscriptions_list ?? []).filter((s) => s.includes('.ch.')).sort();
    }
    return out;
  }

  it('subscribes a gateway to a channel subject only while it has local subscribers', async () => {
    const subject = `${cluster.nats.prefix}.ch.${encodeToken(cluster.app.id)}.${encodeToken('room.a=b')}`;
    expect(subject.endsWith('.room=2Ea=3Db')).toBe(true);
    const a = pusherClient(cluster.gateway(0));
    clients.push(a);
    await subscribed(a, 'room.a=b');
    expect(await channelSubjects()).toEqual({ 'gateway-1': [subject], 'gateway-2': [] });
    const b = pusherClient(cluster.gateway(0));
    clients.push(b);
    await subscribed(b, 'room.a=b');
    expect((await channelSubjects())['gateway-1']).toEqual([subject]);
    a.unsubscribe('room.a=b');
    b.unsubscribe('room.a=b');
    await waitFor(async () => (await channelSubjects())['gateway-1']!.length === 0, 3000, 'the subject dropped with the last local subscriber');
  });

  it("carries a message id and the caller's W3C traceparent in NATS headers", async () => {
    const observer = await NatsBus.connect({ servers: [cluster.nats.url], prefix: cluster.nats.prefix, nodeId: asNodeId('observer') });
    try {
      const seen: BusMessage[] = [];
      await observer.subscribe(cluster.app.id, asChannelName('traced'), (m) => seen.push(m));
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const res = await signedRequest(cluster.apiEndpoint, { path: '/events', body: { name: 'e', channel: 'traced', data: '{}' }, headers: { traceparent } });
      expect(res.status).toBe(200);
      await waitFor(() => seen.length === 1, 3000, 'the published message');
      expect(seen[0]).toEqual({ frame: '{"event":"e","channel":"traced","data":"{}"}', id: expect.stringMatching(/^[0-9a-f]{32}$/), traceparent });
    } finally {
      await observer.close();
    }
  });
});
