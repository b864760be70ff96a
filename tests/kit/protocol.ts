import type { PusherClient, RawClient, RawFrame } from './clients.js';
import { apiClient } from './clients.js';
import type { TestApp, TestServer } from './server.js';

/** parseData returns a raw frame's `data` string parsed as JSON (server data is always a JSON string). */
export function parseData<T = Record<string, unknown>>(frame: RawFrame): T {
  return JSON.parse(frame.data ?? 'null') as T;
}

const ANY_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

/**
 * rawSubscribe sends `pusher:subscribe` from a raw socket, signed like an app backend would sign it
 * (with the `pusher` SDK's authorizeChannel) when the channel needs auth.
 */
export function rawSubscribe(
  server: TestServer,
  raw: RawClient,
  socketId: string,
  channel: string,
  channelData?: { user_id: string | number; user_info?: unknown },
  app: TestApp = server.app,
): void {
  const needsAuth = channel.startsWith('private-') || channel.startsWith('presence-');
  const data: Record<string, unknown> = { channel };
  if (needsAuth) {
    // why: the SDK signs encrypted channels only when it has a master key; the signature does not depend on it.
    const extra = channel.startsWith('private-encrypted-') ? { encryptionMasterKeyBase64: ANY_MASTER_KEY } : {};
    const signed = apiClient(server, app, extra).authorizeChannel(socketId, channel, channelData as never);
    data.auth = signed.auth;
    if (signed.channel_data !== undefined) data.channel_data = signed.channel_data;
  }
  raw.send({ event: 'pusher:subscribe', data });
}

/** rawSignin sends `pusher:signin` from a raw socket, signed with the SDK's authenticateUser. */
export function rawSignin(server: TestServer, raw: RawClient, socketId: string, user: { id: string; [k: string]: unknown }, app: TestApp = server.app): void {
  const signed = apiClient(server, app).authenticateUser(socketId, user as never);
  raw.send({ event: 'pusher:signin', data: { auth: signed.auth, user_data: signed.user_data } });
}

/** errorOf returns the code and message of a `pusher:error` frame. */
export function errorOf(frame: RawFrame): { code: number | null; message: string } {
  return parseData<{ code: number | null; message: string }>(frame);
}

/** metricsText fetches the Prometheus exposition of a server's metrics listener. */
export async function metricsText(server: TestServer): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`);
  return res.text();
}

/** metricValue sums every sample of a metric (all label sets) in the metrics exposition. */
export async function metricValue(server: TestServer, name: string): Promise<number> {
  const text = await metricsText(server);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match && match[1] === name) sum += Number(match[3]);
  }
  return sum;
}

/** reachesState resolves when a pusher-js connection is in (or reaches) `state`. */
export function reachesState(client: PusherClient, state: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (client.connection.state === state) return resolve();
    const timer = setTimeout(() => reject(new Error(`connection did not reach ${state} (now ${client.connection.state})`)), timeoutMs);
    const handler = (s: { current: string }): void => {
      if (s.current !== state) return;
      clearTimeout(timer);
      client.connection.unbind('state_change', handler);
      resolve();
    };
    client.connection.bind('state_change', handler);
  });
}

/** collect records every `event` a pusher-js channel (or user, or watchlist) emits, with its metadata. */
export function collect<T = unknown>(target: { bind(e: string, cb: (d: T, meta?: unknown) => void): unknown }, event: string): Array<{ data: T; meta?: unknown }> {
  const seen: Array<{ data: T; meta?: unknown }> = [];
  target.bind(event, (data: T, meta?: unknown) => seen.push({ data, meta }));
  return seen;
}

/**
 * framesUntilPong sends `pusher:ping` on a raw socket and resolves with every frame that arrives from now
 * on up to (not including) the pong. The gateway handles a socket's frames in order, so these are the
 * answers to everything the socket sent before the ping.
 */
export async function framesUntilPong(raw: RawClient, timeoutMs = 5000): Promise<RawFrame[]> {
  const from = raw.frames.length;
  raw.send({ event: 'pusher:ping', data: {} });
  await raw.waitFrame((f) => f.event === 'pusher:pong' && raw.frames.indexOf(f) >= from, timeoutMs);
  const frames = raw.frames.slice(from);
  return frames.slice(0, frames.findIndex((f) => f.event === 'pusher:pong'));
}

/**
 * sendSubscribePairs sends `count` pusher:subscribe + pusher:unsubscribe pairs back to back from a raw
 * socket, on distinct public channels `${prefix}0`, `${prefix}1`, ..., and returns the channel names.
 */
export function sendSubscribePairs(raw: RawClient, prefix: string, count: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const channel = `${prefix}${i}`;
    names.push(channel);
    raw.send({ event: 'pusher:subscribe', data: { channel } });
    raw.send({ event: 'pusher:unsubscribe', data: { channel } });
  }
  return names;
}
