/**
 * publisher.ts is a load process that triggers events through the signed HTTP API (PROTOCOL.md §8) over
 * keep-alive connections: open loop at a fixed rate (`rate`) or closed loop as fast as answers come
 * (`hammer`). Driven over IPC by the coordinator (rpc.ts).
 */
import { md5Hex, signHttpRequest } from '@sockudo-ts/shared';
import { Histogram } from './histogram.js';
import { buildRequest, RawHttpConnection } from './http-client.js';
import { benchData, EVENT } from './message.js';
import { nowMs, sleep } from './proc.js';
import { serve } from './rpc.js';

/** Endpoint is where and as whom to publish. */
export interface Endpoint {
  port: number;
  appId: string;
  key: string;
  secret: string;
  /** conns is the number of keep-alive connections. */
  conns: number;
}

/** RateArgs publishes `rate` events/s for durationMs to one channel, or to random ones. */
export interface RateArgs extends Endpoint {
  rate: number;
  durationMs: number;
  /** channel receives every event, unless `randomOf` is set. */
  channel: string;
  /** randomOf picks `c-<0..randomOf-1>` at random, and `channel` for one event in `sharedEvery`. */
  randomOf?: number;
  sharedEvery?: number;
  /**
   * forwardedFor are client addresses sent as `X-Forwarded-For`, one after the other (a backend of several
   * hosts behind a trusted proxy): keeps a fixed-rate publisher under a per-address rate limit.
   */
  forwardedFor?: string[];
}

/** RateResult counts what the API accepted; `shared` is how many of the accepted went to `channel`. */
export interface RateResult {
  ok: number;
  shared: number;
  failed: number;
  /** dropped events were due but could not be sent: every connection was busy and the queue full. */
  dropped: number;
  elapsedMs: number;
}

/** HammerResult is a closed-loop run: accepted and failed requests and their latency. */
export interface HammerResult {
  ok: number;
  failed: number;
  elapsedMs: number;
  latency: ReturnType<Histogram['toJSON']>;
}

const MAX_QUEUE = 2000;

/** signedEvent returns the bytes of a signed `POST /apps/{id}/events` for one event. */
function signedEvent(e: Endpoint, channel: string, data: string, headers = ''): Buffer {
  const body = JSON.stringify({ name: EVENT, channels: [channel], data });
  const path = `/apps/${e.appId}/events`;
  const params: Record<string, string> = {
    auth_key: e.key,
    auth_timestamp: String(Math.floor(Date.now() / 1000)),
    auth_version: '1.0',
    body_md5: md5Hex(body),
  };
  params.auth_signature = signHttpRequest(e.secret, 'POST', path, params);
  return buildRequest(e.port, `${path}?${new URLSearchParams(params).toString()}`, body, headers);
}

async function openAll(e: Endpoint): Promise<RawHttpConnection[]> {
  return Promise.all(Array.from({ length: e.conns }, () => RawHttpConnection.open(e.port)));
}

async function rate(args: RateArgs): Promise<RateResult> {
  const conns = await openAll(args);
  const queue: Array<{ req: Buffer; shared: boolean }> = [];
  const result: RateResult = { ok: 0, shared: 0, failed: 0, dropped: 0, elapsedMs: 0 };
  let inFlight = 0;
  const send = (conn: RawHttpConnection, item: { req: Buffer; shared: boolean }): void => {
    inFlight++;
    conn.request(item.req).then(
      (status) => {
        if (status === 200) {
          result.ok++;
          if (item.shared) result.shared++;
        } else result.failed++;
      },
      () => result.failed++,
    ).finally(() => {
      inFlight--;
      const nextItem = queue.shift();
      if (nextItem !== undefined && !conn.busy) send(conn, nextItem);
    });
  };
  const started = Date.now();
  let scheduled = 0;
  const tick = (): void => {
    const due = Math.floor((args.rate * (Date.now() - started)) / 1000) - scheduled;
    for (let k = 0; k < due; k++) {
      const seq = scheduled++;
      const shared = args.randomOf === undefined || seq % (args.sharedEvery ?? 1) === 0;
      const channel = shared ? args.channel : `c-${Math.floor(Math.random() * args.randomOf!)}`;
      const from = args.forwardedFor?.[seq % args.forwardedFor.length];
      const item = { req: signedEvent(args, channel, benchData(nowMs(), seq), from === undefined ? '' : `X-Forwarded-For: ${from}\r\n`), shared };
      const idle = conns.find((c) => !c.busy);
      if (idle !== undefined) send(idle, item);
      else if (queue.length < MAX_QUEUE) queue.push(item);
      else result.dropped++;
    }
  };
  const timer = setInterval(tick, 1);
  await sleep(args.durationMs);
  clearInterval(timer);
  tick();
  const deadline = Date.now() + 10_000;
  while ((inFlight > 0 || queue.length > 0) && Date.now() < deadline) await sleep(5);
  result.dropped += queue.length;
  result.elapsedMs = Date.now() - started;
  for (const c of conns) c.close();
  return result;
}

/** HammerArgs publish to `channel`, or round-robin to `<channel>-0` .. `<channel>-<spread - 1>` when `spread` is set. */
export interface HammerArgs extends Endpoint {
  durationMs: number;
  channel: string;
  spread?: number;
}

async function hammer(args: HammerArgs): Promise<HammerResult> {
  const conns = await openAll(args);
  // why: Pusher accepts a signature for 600 s, so one signed request per channel is replayed.
  const reqs = args.spread === undefined ? [signedEvent(args, args.channel, benchData(nowMs(), 0))] : Array.from({ length: args.spread }, (_, i) => signedEvent(args, `${args.channel}-${i}`, benchData(nowMs(), 0)));
  let next = 0;
  const hist = new Histogram();
  let ok = 0;
  let failed = 0;
  const started = Date.now();
  const end = started + args.durationMs;
  await Promise.all(
    conns.map(async (conn) => {
      while (Date.now() < end) {
        const t0 = nowMs();
        try {
          const req = reqs[next++ % reqs.length]!;
          if ((await conn.request(req)) === 200) ok++;
          else failed++;
        } catch {
          failed++;
          return;
        }
        hist.record(nowMs() - t0);
      }
    }),
  );
  for (const c of conns) c.close();
  return { ok, failed, elapsedMs: Date.now() - started, latency: hist.toJSON() };
}

serve({ rate, hammer });
