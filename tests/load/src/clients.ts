/**
 * clients.ts is a load process holding many subscriber sockets (RawWsClient). It counts received bench
 * messages and records publish->deliver latency from the send timestamp each message carries
 * (`B|<ms>|...`, see message.ts). Driven over IPC by the coordinator (rpc.ts).
 */
import { signChannel } from '@sockudo-ts/shared';
import { Histogram } from './histogram.js';
import { readSendTime, MARK } from './message.js';
import { nowMs, sleep } from './proc.js';
import { serve } from './rpc.js';
import { RawWsClient } from './ws-client.js';

/** OpenArgs says which sockets to open and what each subscribes to. */
export interface OpenArgs {
  ports: number[];
  key: string;
  secret: string;
  /** first is the global index of the first socket; `{i}` in a channel name is replaced by the index. */
  first: number;
  count: number;
  channels: string[];
  concurrency: number;
}

/** ChurnArgs runs join/leave loops on a presence channel with `sockets` extra sockets. */
export interface ChurnArgs {
  port: number;
  key: string;
  secret: string;
  channel: string;
  sockets: number;
  durationMs: number;
  first: number;
}

/** ClientStats is what a clients process counted since the last reset. */
export interface ClientStats {
  received: number;
  memberEvents: number;
  errors: number;
  unexpectedCloses: number;
  open: number;
  latency: ReturnType<Histogram['toJSON']>;
}

type Waiter = { resolve: (v: string) => void; reject: (e: Error) => void };

/** Sub is one subscriber socket with the replies it waits for (`est`, `sub:<channel>`). */
class Sub {
  socketId = '';
  readonly waiters = new Map<string, Waiter>();

  constructor(readonly ws: RawWsClient) {}

  wait(what: string, timeoutMs = 20_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(what);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.waiters.set(what, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  }

  settle(what: string, value: string | Error): void {
    const w = this.waiters.get(what);
    if (w === undefined) return;
    this.waiters.delete(what);
    if (value instanceof Error) w.reject(value);
    else w.resolve(value);
  }
}

let hist = new Histogram();
let received = 0;
let memberEvents = 0;
let errors = 0;
let unexpectedCloses = 0;
let shuttingDown = false;
const subs: Sub[] = [];

function onText(sub: Sub, buf: Buffer, start: number, end: number): void {
  const mark = buf.indexOf(MARK, start);
  if (mark >= 0 && mark < end) {
    hist.record(nowMs() - readSendTime(buf, mark));
    received++;
    return;
  }
  const msg = JSON.parse(buf.toString('utf8', start, end)) as { event: string; channel?: string; data?: string };
  switch (msg.event) {
    case 'pusher:connection_established':
      sub.socketId = (JSON.parse(msg.data!) as { socket_id: string }).socket_id;
      sub.settle('est', sub.socketId);
      return;
    case 'pusher_internal:subscription_succeeded':
      sub.settle(`sub:${msg.channel}`, '');
      return;
    case 'pusher_internal:member_added':
    case 'pusher_internal:member_removed':
      memberEvents++;
      return;
    case 'pusher:ping':
      sub.ws.sendText('{"event":"pusher:pong","data":{}}');
      return;
    case 'pusher:error':
    case 'pusher:subscription_error': {
      errors++;
      const err = new Error(`${msg.event}: ${JSON.stringify(msg.data)}`);
      if (msg.channel !== undefined) sub.settle(`sub:${msg.channel}`, err);
      else for (const what of [...sub.waiters.keys()]) sub.settle(what, err);
    }
  }
}

async function connectOne(port: number, key: string): Promise<Sub> {
  let sub!: Sub;
  let established!: Promise<string>;
  await RawWsClient.open(port, `/app/${key}?protocol=7&client=js&version=8.6.0&flash=false`, (ws) => {
    sub = new Sub(ws);
    established = sub.wait('est');
    ws.onText = (buf, s, e) => onText(sub, buf, s, e);
    ws.onClose = () => {
      if (!shuttingDown) unexpectedCloses++;
      for (const what of [...sub.waiters.keys()]) sub.settle(what, new Error('socket closed'));
    };
  });
  await established;
  return sub;
}

/** subscribe sends pusher:subscribe (signed for private/presence channels) and waits for the reply. */
function subscribe(sub: Sub, key: string, secret: string, channel: string, userId: string): Promise<string> {
  const data: Record<string, string> = { channel };
  if (channel.startsWith('presence-')) {
    data.channel_data = JSON.stringify({ user_id: userId });
    data.auth = signChannel(key, secret, sub.socketId, channel, data.channel_data);
  } else if (channel.startsWith('private-')) {
    data.auth = signChannel(key, secret, sub.socketId, channel);
  }
  const reply = sub.wait(`sub:${channel}`);
  sub.ws.sendText(JSON.stringify({ event: 'pusher:subscribe', data }));
  return reply;
}

async function open(args: OpenArgs): Promise<{ opened: number; failed: number; firstError?: string }> {
  let next = 0;
  let opened = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < args.count) {
      const i = args.first + next++;
      try {
        const sub = await connectOne(args.ports[i % args.ports.length]!, args.key);
        subs.push(sub);
        await Promise.all(args.channels.map((c) => subscribe(sub, args.key, args.secret, c.replace('{i}', String(i)), `u${i}`)));
        opened++;
      } catch (err) {
        failed++;
        firstError ??= String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.concurrency, args.count) }, worker));
  return { opened, failed, firstError };
}

async function churn(args: ChurnArgs): Promise<{ joins: number; failed: number; latency: ReturnType<Histogram['toJSON']> }> {
  const joinHist = new Histogram();
  let joins = 0;
  let failed = 0;
  let user = args.first;
  const own = await Promise.all(Array.from({ length: args.sockets }, () => connectOne(args.port, args.key)));
  const end = Date.now() + args.durationMs;
  await Promise.all(
    own.map(async (sub) => {
      while (Date.now() < end && !sub.ws.closed) {
        const started = nowMs();
        try {
          await subscribe(sub, args.key, args.secret, args.channel, `c${user++}`);
          joinHist.record(nowMs() - started);
          joins++;
        } catch {
          failed++;
          await sleep(10);
        }
        sub.ws.sendText(JSON.stringify({ event: 'pusher:unsubscribe', data: { channel: args.channel } }));
      }
    }),
  );
  for (const sub of own) sub.ws.close();
  return { joins, failed, latency: joinHist.toJSON() };
}

serve({
  open,
  churn,
  reset: () => {
    hist = new Histogram();
    received = memberEvents = errors = unexpectedCloses = 0;
  },
  stats: (): ClientStats => ({
    received,
    memberEvents,
    errors,
    unexpectedCloses,
    open: subs.filter((s) => !s.ws.closed).length,
    latency: hist.toJSON(),
  }),
  close: () => {
    shuttingDown = true;
    for (const sub of subs.splice(0)) sub.ws.close();
  },
});
