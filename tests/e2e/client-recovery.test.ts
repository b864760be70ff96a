import { randomBytes } from 'node:crypto';
import Echo from 'laravel-echo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPusher, type RecoveringPusher } from '@sockudo-ts/pusher-recovery';
import { apiClient, startServer, startTcpProxy, waitFor, type TcpProxy, type TestServer } from '../kit/index.js';

describe('the client package: pusher-js and Laravel Echo resume after a reconnect (issue 11)', () => {
  let server: TestServer;
  let proxy: TcpProxy;
  const clients: RecoveringPusher[] = [];
  const channelName = (prefix = ''): string => `${prefix}recover-${randomBytes(4).toString('hex')}`;
  const client = (): RecoveringPusher => {
    const backend = apiClient(server);
    const pusher = createPusher(server.app.key, {
      cluster: 'local',
      wsHost: '127.0.0.1',
      wsPort: proxy.port,
      forceTLS: false,
      enabledTransports: ['ws'],
      disableStats: true,
      channelAuthorization: {
        endpoint: '/unused',
        transport: 'ajax',
        // why: an asynchronous authorizer, as a real backend is: the subscribe leaves after the resume.
        customHandler: (params: { socketId: string; channelName: string }, callback: (err: Error | null, data: unknown) => void) => {
          setTimeout(() => callback(null, backend.authorizeChannel(params.socketId, params.channelName)), 5);
        },
      },
    } as never);
    clients.push(pusher);
    return pusher;
  };
  const publish = async (channel: string, from: number, to: number): Promise<void> => {
    const api = apiClient(server);
    for (let i = from; i <= to; i++) await api.trigger(channel, 'numbered', { n: i });
  };
  const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  beforeAll(async () => {
    server = await startServer({ config: { recovery: { enabled: true, buffer_size: 500 } } });
    proxy = await startTcpProxy('127.0.0.1', server.port);
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await proxy.close();
    await server.stop();
  });

  it('gets every event once and in order across a dropped connection, on public and private channels, and through Laravel Echo', async () => {
    const pub = channelName();
    const priv = channelName('private-');
    const direct = client();
    const viaEcho = client();
    const echo = new Echo({ broadcaster: 'pusher', client: viaEcho } as never);
    const got = { pub: [] as number[], priv: [] as number[], echo: [] as number[] };
    const subscribedTo = (c: RecoveringPusher, name: string, sink: number[]) =>
      new Promise<void>((resolve) => {
        const ch = c.subscribe(name);
        ch.bind('numbered', (d: { n: number }) => sink.push(d.n));
        ch.bind('pusher:subscription_succeeded', () => resolve());
      });
    await subscribedTo(direct, pub, got.pub);
    await subscribedTo(direct, priv, got.priv);
    await new Promise<void>((resolve) => {
      echo.channel(pub).listen('.numbered', (d: { n: number }) => got.echo.push(d.n)).subscribed(() => resolve());
    });

    await Promise.all([publish(pub, 1, 3), publish(priv, 1, 3)]);
    await waitFor(() => got.pub.length === 3 && got.priv.length === 3 && got.echo.length === 3, 10_000, 'the first events');
    await proxy.down();
    await waitFor(() => direct.connection.state !== 'connected' && viaEcho.connection.state !== 'connected', 10_000, 'the clients to notice');
    await Promise.all([publish(pub, 4, 10), publish(priv, 4, 10)]);
    await proxy.up();
    await waitFor(() => direct.connection.state === 'connected' && viaEcho.connection.state === 'connected', 20_000, 'the clients to reconnect');
    await Promise.all([publish(pub, 11, 12), publish(priv, 11, 12)]);
    await waitFor(() => got.pub.length >= 12 && got.priv.length >= 12 && got.echo.length >= 12, 10_000, 'every event');
    expect(got.pub).toEqual(range(1, 12));
    expect(got.priv).toEqual(range(1, 12));
    expect(got.echo).toEqual(range(1, 12));
    expect(direct.recovery.positions()[pub]).toMatchObject({ serial: 12 });
  });

  it('keeps order and drops nothing while events stream through the drop', async () => {
    const channel = channelName();
    const c = client();
    const got: number[] = [];
    await new Promise<void>((resolve) => {
      const ch = c.subscribe(channel);
      ch.bind('numbered', (d: { n: number }) => got.push(d.n));
      ch.bind('pusher:subscription_succeeded', () => resolve());
    });
    const api = apiClient(server);
    const total = 150;
    const stream = (async () => {
      for (let i = 1; i <= total; i++) {
        await api.trigger(channel, 'numbered', { n: i });
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await waitFor(() => got.length >= 20, 20_000, 'the stream to start');
    await proxy.down();
    await waitFor(() => c.connection.state !== 'connected', 10_000, 'the client to notice');
    await new Promise((r) => setTimeout(r, 100));
    await proxy.up();
    await stream;
    await waitFor(() => got.length >= total, 20_000, 'every event');
    expect(got).toEqual(range(1, total));
  });

  it('rewinds on subscribe: the last events before live ones', async () => {
    const channel = channelName();
    await publish(channel, 1, 6);
    const c = client();
    const got: number[] = [];
    const done = new Promise<unknown>((resolve) => {
      const ch = c.recovery.subscribe(channel, 3) as { bind(e: string, cb: (d: unknown) => void): void };
      ch.bind('numbered', (d) => got.push((d as { n: number }).n));
      ch.bind('sockudo:rewind_complete', resolve);
    });
    expect(await done).toMatchObject({ historical_count: 3 });
    await publish(channel, 7, 7);
    await waitFor(() => got.length === 4);
    expect(got).toEqual([4, 5, 6, 7]);
  });
});
