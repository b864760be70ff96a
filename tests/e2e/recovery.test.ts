import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiClient,
  collect,
  connected,
  metricValue,
  newApp,
  pusherClient,
  rawClient,
  rawSubscribe,
  startServer,
  subscribed,
  waitFor,
  type PusherClient,
  type RawClient,
  type RawFrame,
  type TestApp,
  type TestServer,
} from '../kit/index.js';

/** V2Frame is a broadcast as a V2 socket sees it. */
type V2Frame = RawFrame & { serial?: number; stream_id?: string; message_id?: string };

describe('lossless channels on the embedded server: serials, resume, rewind (issue 11)', () => {
  let server: TestServer;
  let small: TestApp;
  let off: TestApp;
  const raws: RawClient[] = [];
  const clients: PusherClient[] = [];
  const channelName = (): string => `lossless-${randomBytes(4).toString('hex')}`;
  /** v2 opens a raw socket: native V2 (`?protocol=2`, Sockudo's event names) unless `path` says otherwise. */
  const v2 = async (app: TestApp = server.app, path = `/app/${app.key}?protocol=2`): Promise<{ c: RawClient; id: string; native: boolean }> => {
    const c = await rawClient(server, path);
    raws.push(c);
    const native = path.includes('protocol=2');
    const established = await c.event(native ? 'sockudo:connection_established' : 'pusher:connection_established');
    return { c, id: (JSON.parse(established.data!) as { socket_id: string }).socket_id, native };
  };
  const subscribe = async (s: { c: RawClient; id: string; native: boolean }, channel: string, extra: Record<string, unknown> = {}, app: TestApp = server.app): Promise<void> => {
    if (Object.keys(extra).length === 0) rawSubscribe(server, s.c, s.id, channel, undefined, app);
    else s.c.send({ event: s.native ? 'sockudo:subscribe' : 'pusher:subscribe', data: { channel, ...extra } });
    await s.c.event(s.native ? 'sockudo_internal:subscription_succeeded' : 'pusher_internal:subscription_succeeded', channel);
  };
  const publish = async (channel: string, from: number, to: number, app: TestApp = server.app): Promise<void> => {
    const api = apiClient(server, app);
    for (let i = from; i <= to; i++) await api.trigger(channel, 'numbered', { n: i });
  };
  const events = (c: RawClient, channel: string): V2Frame[] => c.frames.filter((f) => f.channel === channel && f.event === 'numbered') as V2Frame[];
  const numbers = (frames: V2Frame[]): number[] => frames.map((f) => (JSON.parse(f.data!) as { n: number }).n);

  beforeAll(async () => {
    small = newApp({ recovery: { buffer_size: 5 } });
    off = newApp({ recovery: { enabled: false } });
    server = await startServer({ config: { recovery: { enabled: true } }, extraApps: [small, off] });
  });
  afterAll(async () => {
    for (const c of raws) c.close();
    for (const c of clients) c.disconnect();
    await server.stop();
  });

  it('gives V2 sockets serial, stream_id and message_id on broadcasts; V1 sockets get the plain frame', async () => {
    const channel = channelName();
    const a = await v2();
    const b = await v2(server.app, `/app/${server.app.key}?protocol=7`);
    await subscribe(a, channel);
    await subscribe(b, channel);
    await publish(channel, 1, 3);
    await waitFor(() => events(a.c, channel).length === 3 && events(b.c, channel).length === 3);
    const got = events(a.c, channel);
    expect(got.map((f) => f.serial)).toEqual([1, 2, 3]);
    expect(new Set(got.map((f) => f.stream_id)).size).toBe(1);
    expect(got[0]!.stream_id).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(got.map((f) => f.message_id)).size).toBe(3);
    for (const f of events(b.c, channel)) expect(Object.keys(f).sort()).toEqual(['channel', 'data', 'event']);
    expect(b.c.frames.some((f) => f.event.startsWith('sockudo'))).toBe(false);
    // a native V2 socket speaks Sockudo's event names: sockudo:* and sockudo_internal:*, never pusher:*
    a.c.send({ event: 'sockudo:ping', data: {} });
    await a.c.event('sockudo:pong');
    expect(a.c.frames.filter((f) => f.event.startsWith('pusher'))).toEqual([]);
  });

  it('resumes a subscribed channel: the missed events in order, then resume_success', async () => {
    const channel = channelName();
    const first = await v2();
    await subscribe(first, channel);
    await publish(channel, 1, 2);
    await waitFor(() => events(first.c, channel).length === 2);
    const last = events(first.c, channel)[1]!;
    first.c.close();
    await publish(channel, 3, 5);
    const again = await v2();
    await subscribe(again, channel);
    again.c.send({ event: 'sockudo:resume', data: { channel_positions: { [channel]: { serial: last.serial, stream_id: last.stream_id } } } });
    const success = await again.c.event('sockudo:resume_success');
    expect(numbers(events(again.c, channel))).toEqual([3, 4, 5]);
    expect(events(again.c, channel).map((f) => f.serial)).toEqual([3, 4, 5]);
    const body = JSON.parse(success.data!) as { recovered: Array<Record<string, unknown>>; failed: unknown[] };
    expect(body.failed).toEqual([]);
    expect(body.recovered).toEqual([{ channel, source: 'hot', replayed: 3, position: { stream_id: last.stream_id, serial: 5, last_message_id: events(again.c, channel)[2]!.message_id } }]);
    // the replay came before the answer, and live events follow it
    await publish(channel, 6, 6);
    await waitFor(() => events(again.c, channel).length === 4);
    expect(numbers(events(again.c, channel))).toEqual([3, 4, 5, 6]);
  });

  it('resumes a channel named before its subscribe: the subscribe replays, then answers', async () => {
    const channel = channelName();
    const first = await v2();
    await subscribe(first, channel);
    await publish(channel, 1, 1);
    await waitFor(() => events(first.c, channel).length === 1);
    const last = events(first.c, channel)[0]!;
    first.c.close();
    await publish(channel, 2, 4);
    const again = await v2();
    again.c.send({ event: 'sockudo:resume', data: { channel_positions: { [channel]: { serial: last.serial, stream_id: last.stream_id } } } });
    const empty = await again.c.event('sockudo:resume_success');
    expect(JSON.parse(empty.data!)).toEqual({ recovered: [], failed: [] });
    await subscribe(again, channel);
    const success = await again.c.waitFrame((f) => f.event === 'sockudo:resume_success' && f !== empty);
    expect(numbers(events(again.c, channel))).toEqual([2, 3, 4]);
    expect((JSON.parse(success.data!) as { recovered: Array<{ replayed: number }> }).recovered[0]!.replayed).toBe(3);
  });

  it('answers a resume older than the buffer with resume_failed position_expired', async () => {
    const channel = channelName();
    const s = await v2(small);
    await subscribe(s, channel, {}, small);
    await publish(channel, 1, 1, small);
    await waitFor(() => events(s.c, channel).length === 1);
    const first = events(s.c, channel)[0]!;
    await publish(channel, 2, 10, small);
    s.c.send({ event: 'sockudo:resume', data: { channel_positions: { [channel]: { serial: first.serial, stream_id: first.stream_id } } } });
    const failed = await s.c.event('sockudo:resume_failed', channel);
    expect(JSON.parse(failed.data!)).toMatchObject({ code: 'position_expired', current_stream_id: first.stream_id, oldest_available_serial: 6, newest_available_serial: 10 });
    const success = await s.c.event('sockudo:resume_success');
    expect((JSON.parse(success.data!) as { failed: Array<{ code: string }> }).failed.map((f) => f.code)).toEqual(['position_expired']);
  });

  it('answers stream_reset for another stream id and continuity_unverifiable for a bare serial', async () => {
    const channel = channelName();
    const s = await v2();
    await subscribe(s, channel);
    await publish(channel, 1, 2);
    await waitFor(() => events(s.c, channel).length === 2);
    s.c.send({ event: 'sockudo:resume', data: { channel_positions: { [channel]: { serial: 1, stream_id: 'not-this-stream' } } } });
    expect(JSON.parse((await s.c.event('sockudo:resume_failed', channel)).data!)).toMatchObject({ code: 'stream_reset' });
    await s.c.event('sockudo:resume_success');
    const other = await v2();
    await subscribe(other, channel);
    other.c.send({ event: 'sockudo:resume', data: { channel_serials: { [channel]: 1 } } });
    expect(JSON.parse((await other.c.event('sockudo:resume_failed', channel)).data!)).toMatchObject({ code: 'continuity_unverifiable' });
  });

  it('rewinds on subscribe: the last N events oldest first, then rewind_complete', async () => {
    const channel = channelName();
    await publish(channel, 1, 5);
    const s = await v2();
    await subscribe(s, channel, { rewind: 3 });
    const done = await s.c.event('sockudo:rewind_complete', channel);
    expect(numbers(events(s.c, channel))).toEqual([3, 4, 5]);
    expect(JSON.parse(done.data!)).toEqual({ historical_count: 3, live_count: 0, complete: true, truncated_by_retention: false, truncated_by_limit: false });
    const t = await v2();
    await subscribe(t, channel, { rewind: { seconds: 60 } });
    await t.c.event('sockudo:rewind_complete', channel);
    expect(numbers(events(t.c, channel))).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses a native V2 socket with sockudo:error', async () => {
    const c = await rawClient(server, `/app/no-such-key?protocol=2`);
    raws.push(c);
    const refused = await c.event('sockudo:error');
    expect(JSON.parse(refused.data!)).toMatchObject({ code: 4001 });
    expect((await c.closed).code).toBe(4001);
  });

  it('opts a protocol 7 socket in with sockudo:enable_v2', async () => {
    const channel = channelName();
    const s = await v2(server.app, `/app/${server.app.key}?protocol=7`);
    s.c.send({ event: 'sockudo:enable_v2', data: {} });
    await s.c.event('sockudo:v2_enabled');
    await subscribe(s, channel);
    await publish(channel, 1, 1);
    await waitFor(() => events(s.c, channel).length === 1);
    expect(events(s.c, channel)[0]!.serial).toBe(1);
  });

  it('refuses a resume for an app without recovery, and gives its V2 sockets no serials', async () => {
    const channel = channelName();
    const s = await v2(off);
    await subscribe(s, channel, {}, off);
    await publish(channel, 1, 1, off);
    await waitFor(() => events(s.c, channel).length === 1);
    expect(events(s.c, channel)[0]!.serial).toBeUndefined();
    s.c.send({ event: 'sockudo:resume', data: { channel_positions: { [channel]: { serial: 0, stream_id: 'x' } } } });
    const error = await s.c.event('sockudo:error');
    expect(JSON.parse(error.data!)).toEqual({ code: 4301, message: 'Connection recovery is not enabled' });
  });

  it('leaves plain pusher-js as it was: the same events, nothing new', async () => {
    const channel = channelName();
    const client = pusherClient(server);
    clients.push(client);
    await connected(client);
    const ch = await subscribed(client, channel);
    const seen: string[] = [];
    client.bind_global((event: string) => seen.push(event));
    const got = collect<{ n: number }>(ch, 'numbered');
    await publish(channel, 1, 3);
    await waitFor(() => got.length === 3);
    expect(got.map((g) => g.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(seen.filter((e) => !e.startsWith('pusher'))).toEqual(['numbered', 'numbered', 'numbered']);
  });

  it('counts resumes by outcome and the events recovered', async () => {
    expect(await metricValue(server, 'sockudo_resumes_total')).toBeGreaterThanOrEqual(4);
    expect(await metricValue(server, 'sockudo_recovered_messages_total')).toBeGreaterThanOrEqual(6);
  });
});
