/**
 * attacker.ts is a load process that attacks a server the way someone holding only a public app key can
 * (issue 14): a subscribe flood and a frame flood on a few sockets, a connect flood from one address that
 * keeps every socket it gets, a flood of HTTP API requests with a wrong signature, and channel churn on an
 * app whose webhook receiver hangs. Each attack runs for `durationMs` as fast as the server takes it,
 * reconnecting whenever it is closed, and counts how the server refused it. Driven over IPC (rpc.ts).
 */
import { md5Hex } from '@sockudo-ts/shared';
import { buildRequest, RawHttpConnection } from './http-client.js';
import { sleep } from './proc.js';
import { serve } from './rpc.js';
import { RawWsClient } from './ws-client.js';

/** AttackName names the attacks of the abuse scenario. */
export type AttackName = 'subscribe-flood' | 'frame-flood' | 'connect-flood' | 'http-flood' | 'webhook-hang';

/** AttackArgs say where to attack, with which app, for how long and from which client address. */
export interface AttackArgs {
  attack: AttackName;
  port: number;
  appId: string;
  key: string;
  durationMs: number;
  /** from is sent as `X-Forwarded-For` (the server honours it only with a trusted proxy hop configured). */
  from: string;
}

/** AttackResult is what one attack did and how it was refused. */
export interface AttackResult {
  /** sent counts frames (socket attacks), connects (connect flood) or requests (HTTP flood). */
  sent: number;
  /** opened counts sockets the server admitted (it sent connection_established). */
  opened: number;
  /** held is the most sockets the attacker held open at once. */
  held: number;
  /** refusals counts outcomes by close code (`close 4100`), HTTP status (`HTTP 429`) or `pusher:error <code>`. */
  refusals: Record<string, number>;
  elapsedMs: number;
}

/** FLOOD_SOCKETS is how many sockets the subscribe and frame floods run at once. */
const FLOOD_SOCKETS = 4;
/** CONNECT_WORKERS is how many handshakes the connect flood keeps in flight. */
const CONNECT_WORKERS = 16;
/** MAX_HELD bounds the sockets the connect flood keeps (the oldest are dropped past it). */
const MAX_HELD = 3000;
/** HTTP_CONNECTIONS is how many keep-alive connections the HTTP flood uses. */
const HTTP_CONNECTIONS = 16;
/** CHURN_SOCKETS are the webhook attack's sockets; each sends a subscribe and an unsubscribe every CHURN_TICK_MS. */
const CHURN_SOCKETS = 20;
const CHURN_TICK_MS = 25;

class Counter {
  readonly result: AttackResult = { sent: 0, opened: 0, held: 0, refusals: {}, elapsedMs: 0 };

  count(what: string): void {
    this.result.refusals[what] = (this.result.refusals[what] ?? 0) + 1;
  }
}

/**
 * openSocket connects as a pusher-js 8 client from `from` and resolves with the socket once the server
 * admitted it, or undefined when it refused (counted by close code).
 */
async function openSocket(args: AttackArgs, c: Counter, onText: (ws: RawWsClient, text: string) => void = () => undefined): Promise<RawWsClient | undefined> {
  let admitted!: (ok: boolean) => void;
  const decided = new Promise<boolean>((resolve) => (admitted = resolve));
  let ws: RawWsClient;
  try {
    ws = await RawWsClient.open(
      args.port,
      `/app/${args.key}?protocol=7&client=js&version=8.6.0&flash=false`,
      (w) => {
        w.onText = (buf, s, e) => {
          const text = buf.toString('utf8', s, e);
          if (text.includes('pusher:connection_established')) admitted(true);
          else if (text.includes('"pusher:error"')) c.count(`pusher:error ${/code\\?":(\d+)/.exec(text)?.[1] ?? '?'}`);
          onText(w, text);
        };
        w.onClose = () => admitted(false);
      },
      10_000,
      `X-Forwarded-For: ${args.from}\r\n`,
    );
  } catch (err) {
    c.count(`handshake ${String((err as Error).message).slice(0, 40)}`);
    return undefined;
  }
  const timer = setTimeout(() => admitted(false), 10_000);
  const ok = await decided;
  clearTimeout(timer);
  if (ok) {
    c.result.opened++;
    return ws;
  }
  c.count(`close ${ws.closeCode}`);
  ws.close();
  return undefined;
}

/** flood keeps FLOOD_SOCKETS sockets writing `frame(n)` as fast as the server reads, reconnecting when closed. */
async function flood(args: AttackArgs, frame: (n: number) => string): Promise<AttackResult> {
  const c = new Counter();
  const end = Date.now() + args.durationMs;
  let n = 0;
  const worker = async (): Promise<void> => {
    while (Date.now() < end) {
      const ws = await openSocket(args, c);
      if (ws === undefined) continue;
      while (!ws.closed && Date.now() < end) {
        // why: write while the kernel takes it, then wait; a server that stops reading holds the attacker too.
        while (ws.pendingBytes < 65_536) {
          ws.sendText(frame(n++));
          c.result.sent++;
        }
        await Promise.race([ws.drained(), sleep(Math.max(0, end - Date.now()))]);
      }
      if (ws.closed) c.count(`close ${ws.closeCode}`);
      ws.close();
    }
  };
  await Promise.all(Array.from({ length: FLOOD_SOCKETS }, worker));
  return c.result;
}

/** connectFlood opens sockets from one address as fast as they are answered and keeps the admitted ones. */
async function connectFlood(args: AttackArgs): Promise<AttackResult> {
  const c = new Counter();
  const end = Date.now() + args.durationMs;
  const held: RawWsClient[] = [];
  const worker = async (): Promise<void> => {
    while (Date.now() < end) {
      c.result.sent++;
      const ws = await openSocket(args, c, (w, text) => {
        if (text.includes('pusher:ping')) w.sendText('{"event":"pusher:pong","data":{}}');
      });
      if (ws === undefined) continue;
      held.push(ws);
      if (held.length > MAX_HELD) held.shift()!.close();
      c.result.held = Math.max(c.result.held, held.filter((h) => !h.closed).length);
    }
  };
  await Promise.all(Array.from({ length: CONNECT_WORKERS }, worker));
  for (const ws of held) {
    if (ws.closed) c.count(`close ${ws.closeCode}`);
    ws.close();
  }
  return c.result;
}

/** httpFlood posts 10 KB event batches with a wrong signature (the attacker has no secret) over keep-alive connections. */
async function httpFlood(args: AttackArgs): Promise<AttackResult> {
  const c = new Counter();
  const end = Date.now() + args.durationMs;
  const body = JSON.stringify({ name: 'x', channels: ['bystander'], data: 'x'.repeat(10_000) });
  const path = `/apps/${args.appId}/events`;
  const request = (): Buffer => {
    const params = new URLSearchParams({ auth_key: args.key, auth_timestamp: String(Math.floor(Date.now() / 1000)), auth_version: '1.0', body_md5: md5Hex(body), auth_signature: '0'.repeat(64) });
    return buildRequest(args.port, `${path}?${params.toString()}`, body, `X-Forwarded-For: ${args.from}\r\n`);
  };
  const worker = async (): Promise<void> => {
    let conn: RawHttpConnection | undefined;
    while (Date.now() < end) {
      try {
        conn ??= await RawHttpConnection.open(args.port);
        c.result.sent++;
        c.count(`HTTP ${await conn.request(request())}`);
      } catch {
        c.count('connection error');
        conn?.close();
        conn = undefined;
        await sleep(1);
      }
    }
    conn?.close();
  };
  await Promise.all(Array.from({ length: HTTP_CONNECTIONS }, worker));
  return c.result;
}

/**
 * webhookChurn subscribes and unsubscribes fresh channels on CHURN_SOCKETS sockets of an app whose webhook
 * receiver hangs (channel_occupied and channel_vacated for each), at 80 frames/s per socket: under the frame
 * limit, so the only pressure is on the webhook queue.
 */
async function webhookChurn(args: AttackArgs): Promise<AttackResult> {
  const c = new Counter();
  const sockets = (await Promise.all(Array.from({ length: CHURN_SOCKETS }, () => openSocket(args, c)))).filter((s) => s !== undefined);
  let n = 0;
  const timer = setInterval(() => {
    for (const [i, ws] of sockets.entries()) {
      if (ws.closed) continue;
      const channel = `hook-${i}-${n}`;
      ws.sendText(JSON.stringify({ event: 'pusher:subscribe', data: { channel } }));
      ws.sendText(JSON.stringify({ event: 'pusher:unsubscribe', data: { channel } }));
      c.result.sent += 2;
    }
    n++;
  }, CHURN_TICK_MS);
  await sleep(args.durationMs);
  clearInterval(timer);
  c.result.held = sockets.filter((s) => !s.closed).length;
  for (const ws of sockets) {
    if (ws.closed) c.count(`close ${ws.closeCode}`);
    ws.close();
  }
  return c.result;
}

async function attack(args: AttackArgs): Promise<AttackResult> {
  const started = Date.now();
  let result: AttackResult;
  switch (args.attack) {
    case 'subscribe-flood':
      result = await flood(args, (n) => `{"event":"pusher:subscribe","data":{"channel":"flood-${n}"}}`);
      break;
    case 'frame-flood':
      result = await flood(args, () => '{"event":"pusher:ping","data":{}}');
      break;
    case 'connect-flood':
      result = await connectFlood(args);
      break;
    case 'http-flood':
      result = await httpFlood(args);
      break;
    case 'webhook-hang':
      result = await webhookChurn(args);
      break;
  }
  result.elapsedMs = Date.now() - started;
  return result;
}

serve({ attack });
