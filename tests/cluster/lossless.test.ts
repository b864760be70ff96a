import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import Echo from 'laravel-echo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPusher, type RecoveringPusher } from '@sockudo-ts/pusher-recovery';
import {
  ChildService,
  NATS_SERVER_BINARY,
  REDIS,
  apiCall,
  apiClient,
  binariesPresent,
  freePort,
  pusherClient,
  rawClient,
  rawSubscribe,
  servicesUp,
  startCluster,
  subscribed,
  waitFor,
  type Endpoint,
  type PusherClient,
  type RawClient,
  type RawFrame,
  type TestCluster,
} from '../kit/index.js';

const up = (await servicesUp('cluster: lossless channels', REDIS)) && binariesPresent('cluster: lossless channels', NATS_SERVER_BINARY);

/** startJetStream starts a private nats-server with JetStream, its store in a temporary directory. */
async function startJetStream(): Promise<{ nats: ChildService; dir: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sockudo-js-'));
  const nats = new ChildService('nats-server', port, NATS_SERVER_BINARY.path, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir]);
  await nats.start();
  return { nats, dir };
}

type V2Frame = RawFrame & { serial?: number; stream_id?: string; message_id?: string };
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const numbered = (frames: RawFrame[], channel: string): V2Frame[] => frames.filter((f) => f.channel === channel && f.event === 'numbered') as V2Frame[];
const numberOf = (f: RawFrame): number => (JSON.parse(f.data!) as { n: number }).n;

/** publishUntilStored publishes event n, retrying (same idempotency key) until the api answers 200. */
async function publishUntilStored(endpoint: Endpoint, channel: string, n: number): Promise<void> {
  const api = apiClient(endpoint);
  for (let attempt = 0; ; attempt++) {
    const reply = await apiCall(() => api.trigger(channel, 'numbered', { n }, { idempotency_key: `${channel}-${n}` } as never)).catch(() => ({ status: 0 }));
    if (reply.status === 200) return;
    if (attempt > 600) throw new Error(`event ${n} not stored: ${reply.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SwitchProxy forwards new connections to one gateway, then to another once told to. */
class SwitchProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(public target: number) {}
  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

describe.skipIf(!up)('cluster: lossless channels over JetStream (issue 11)', () => {
  let js: { nats: ChildService; dir: string };
  let cluster: TestCluster;
  const clients: Array<PusherClient | RecoveringPusher> = [];
  const raws: RawClient[] = [];
  const channelName = (prefix = ''): string => `${prefix}lossless-${randomBytes(4).toString('hex')}`;
  const v2 = async (endpoint: Endpoint, channel: string): Promise<RawClient> => {
    const c = await rawClient(endpoint, `/app/${endpoint.app.key}?protocol=2`);
    raws.push(c);
    const established = await c.event('sockudo:connection_established');
    const id = (JSON.parse(established.data!) as { socket_id: string }).socket_id;
    rawSubscribe({ ...endpoint, apps: [endpoint.app], logs: [] } as never, c, id, channel);
    await c.event('sockudo_internal:subscription_succeeded', channel);
    return c;
  };

  beforeAll(async () => {
    js = await startJetStream();
    cluster = await startCluster({ bus: 'nats', natsUrl: `nats://127.0.0.1:${js.nats.port}`, config: { recovery: { enabled: true, buffer_size: 5000, ttl_seconds: 600 } } });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await cluster?.stop();
    await js?.nats.kill();
    if (js) rmSync(js.dir, { recursive: true, force: true });
  });

  it('(a) delivers 2,000 events to subscribers on two gateways exactly once and in order across a NATS restart', async () => {
    const channel = channelName();
    const plain = [pusherClient(cluster.gateway(0)), pusherClient(cluster.gateway(1))];
    clients.push(...plain);
    const got: number[][] = [[], []];
    const seen: string[][] = [[], []];
    for (const [i, c] of plain.entries()) {
      const ch = await subscribed(c, channel);
      ch.bind('numbered', (d: { n: number }) => got[i]!.push(d.n));
      c.bind_global((event: string) => seen[i]!.push(event));
    }
    const rawOn = [await v2(cluster.gateway(0), channel), await v2(cluster.gateway(1), channel)];
    const total = 2000;
    let restarted = false;
    for (let n = 1; n <= total; n++) {
      if (n === 700) {
        await js.nats.kill('SIGKILL');
        // why: the restart runs while the publisher goes on (and is refused until NATS is back).
        void (async () => {
          await new Promise((r) => setTimeout(r, 300));
          await js.nats.start();
          restarted = true;
        })();
      }
      await publishUntilStored(cluster.apiEndpoint, channel, n);
    }
    expect(restarted).toBe(true);
    await waitFor(() => got.every((g) => g.length >= total) && rawOn.every((r) => numbered(r.frames, channel).length >= total), 60_000, 'every event on both gateways');
    await new Promise((r) => setTimeout(r, 300));
    for (const g of got) expect(g).toEqual(range(1, total));
    for (const r of rawOn) {
      const frames = numbered(r.frames, channel);
      expect(frames.map(numberOf)).toEqual(range(1, total));
      // (d) the V2 wire format: increasing serials of one stream, a message id each
      const serials = frames.map((f) => f.serial!);
      expect(serials.every((s, i) => i === 0 || s > serials[i - 1]!)).toBe(true);
      expect(new Set(frames.map((f) => f.stream_id)).size).toBe(1);
      expect(new Set(frames.map((f) => f.message_id)).size).toBe(total);
      expect(r.frames.filter((f) => f.event.startsWith('pusher'))).toEqual([]);
    }
    // (d) plain pusher-js sees nothing new: only its own pusher: events and the app's
    for (const s of seen) expect(new Set(s.filter((e) => !e.startsWith('pusher:')))).toEqual(new Set(['numbered']));
  });

  it('(b) client-package and Laravel Echo clients of a SIGKILLed gateway resume on the other with every event once, in order', async () => {
    const channel = channelName();
    const proxy = new SwitchProxy(cluster.gateway(0).port);
    await proxy.start();
    const make = (): RecoveringPusher => {
      const c = createPusher(cluster.app.key, { cluster: 'local', wsHost: '127.0.0.1', wsPort: proxy.port, forceTLS: false, enabledTransports: ['ws'], disableStats: true } as never);
      clients.push(c);
      return c;
    };
    const direct = make();
    const viaEcho = make();
    const echo = new Echo({ broadcaster: 'pusher', client: viaEcho } as never);
    const got = { direct: [] as number[], echo: [] as number[] };
    await new Promise<void>((resolve) => {
      const ch = direct.subscribe(channel);
      ch.bind('numbered', (d: { n: number }) => got.direct.push(d.n));
      ch.bind('pusher:subscription_succeeded', () => resolve());
    });
    await new Promise<void>((resolve) => {
      echo.channel(channel).listen('.numbered', (d: { n: number }) => got.echo.push(d.n)).subscribed(() => resolve());
    });
    const total = 300;
    const stream = (async () => {
      for (let n = 1; n <= total; n++) {
        await publishUntilStored(cluster.apiEndpoint, channel, n);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await waitFor(() => got.direct.length >= 50 && got.echo.length >= 50, 30_000, 'the stream to flow');
    proxy.target = cluster.gateway(1).port;
    await cluster.gateways[0]!.kill('SIGKILL');
    await stream;
    await waitFor(() => got.direct.length >= total && got.echo.length >= total, 60_000, 'every event after the resume');
    await new Promise((r) => setTimeout(r, 300));
    expect(got.direct).toEqual(range(1, total));
    expect(got.echo).toEqual(range(1, total));
    await proxy.close();
  });

  it('(c) answers a resume whose position the stream no longer keeps with resume_failed position_expired', async () => {
    const channel = channelName();
    const gateway = cluster.gateway(1);
    const c = await v2(gateway, channel);
    for (let n = 1; n <= 3; n++) await publishUntilStored(cluster.apiEndpoint, channel, n);
    await waitFor(() => numbered(c.frames, channel).length === 3);
    const first = numbered(c.frames, channel)[0]!;
    // the stream drops the channel's oldest messages, as its per-channel limit or max age would
    const nc = await connectNats({ servers: `nats://127.0.0.1:${js.nats.port}` });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.purge(`${cluster.nats.prefix}_channels`, { filter: `${cluster.nats.prefix}.log.${cluster.app.id}.${channel}`, keep: 1 });
    await nc.close();
    c.send({ event: 'sockudo:resume', data: { channel_positions: { [channel]: { serial: first.serial, stream_id: first.stream_id } } } });
    const failed = await c.event('sockudo:resume_failed', channel);
    expect(JSON.parse(failed.data!)).toMatchObject({ code: 'position_expired' });
    const success = await c.event('sockudo:resume_success');
    expect(JSON.parse(success.data!)).toMatchObject({ recovered: [], failed: [{ channel, code: 'position_expired' }] });
    c.send({ event: 'sockudo:resume', data: { channel_positions: { [channel]: { serial: first.serial! + 1_000_000, stream_id: first.stream_id } } } });
    await c.waitFrame((f) => f.event === 'sockudo:resume_failed' && (JSON.parse(f.data!) as { code: string }).code === 'continuity_unverifiable');
    c.send({ event: 'sockudo:resume', data: { channel_positions: { [channel]: { serial: first.serial, stream_id: 'another-stream' } } } });
    await c.waitFrame((f) => f.event === 'sockudo:resume_failed' && (JSON.parse(f.data!) as { code: string }).code === 'stream_reset');
  });
});
