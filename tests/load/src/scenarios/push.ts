/**
 * Scenario 6, push fan-out: 10,000 devices (a third each APNs, FCM and Web Push) registered through the
 * signed push API on one interest, then one publish to that interest; measured from the publish request to
 * the status saying every device was delivered. The providers are the sinks of push-sinks.ts, so the figure
 * is the server's own cost: planning, reading devices, the APNs JWT and HTTP/2 streams, FCM requests, and
 * the aes128gcm encryption and VAPID signature of every Web Push message.
 */
import { createHash, createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { Harness } from '../harness.js';
import type { Options } from '../options.js';
import { CpuMeter, rssBytes } from '../proc.js';
import type { PushSinks } from '../push-sinks.js';
import { APP, type RunningTarget } from '../targets.js';

/** CONCURRENCY is the number of registration requests in flight. */
const CONCURRENCY = 16;

/** PushResult is the push scenario's figures for one target. */
export interface PushResult {
  devices: number;
  registerPerS: number;
  /** publishMs is from the publish request to the status `completed`. */
  publishMs: number;
  devicesPerS: number;
  delivered: number;
  failed: number;
  byProvider: { apns: number; fcm: number; web: number };
  serverCpuMsPer1000: number;
  serverRssBytes: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** signed sends one signed HTTP API request and resolves with its status and JSON body. */
function signed(port: number, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const params: Record<string, string> = { auth_key: APP.key, auth_timestamp: String(Math.floor(Date.now() / 1000)), auth_version: '1.0' };
  if (text !== '') params.body_md5 = createHash('md5').update(text).digest('hex');
  const query = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
  const signature = createHmac('sha256', APP.secret).update(`${method}\n${path}\n${query}`).digest('hex');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: `${path}?${query}&auth_signature=${signature}`, agent, headers: text === '' ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** push runs scenario 6 against a started target whose push providers are `sinks`. */
export async function push(_h: Harness, target: RunningTarget, o: Options, sinks: PushSinks): Promise<PushResult> {
  const devices = o.pushDevices;
  const base = `/apps/${APP.appId}/push`;
  const interest = `bench-${Date.now()}`;
  const registered = Date.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < devices; i = next++) {
      const hex = i.toString(16).padStart(8, '0');
      const registration =
        i % 3 === 0
          ? { platform: 'apns', token: `${hex}${'a'.repeat(56)}` }
          : i % 3 === 1
            ? { platform: 'fcm', token: `bench${hex}:APA91b${'x'.repeat(60)}` }
            : { platform: 'web', subscription: { endpoint: `${sinks.webOrigin}/push/${hex}`, keys: sinks.webKeys } };
      const res = await signed(target.httpPort, 'POST', `${base}/deviceRegistrations`, { ...registration, interests: [interest] });
      if (res.status !== 201) throw new Error(`registering device ${i}: ${res.status} ${JSON.stringify(res.body)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const registerMs = Date.now() - registered;
  const before = { ...sinks.counts };
  const server = new CpuMeter(() => target.pids());
  server.start();
  const started = Date.now();
  const published = await signed(target.httpPort, 'POST', `${base}/publish`, {
    interests: [interest],
    apns: { aps: { alert: { title: 'Bench', body: 'one interest, many devices' } } },
    fcm: { notification: { title: 'Bench', body: 'one interest, many devices' } },
    web: { notification: { title: 'Bench', body: 'one interest, many devices' } },
  });
  if (published.status !== 202) throw new Error(`publish: ${published.status} ${JSON.stringify(published.body)}`);
  let status: any;
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    status = (await signed(target.httpPort, 'GET', `${base}/publish/${published.body.publish_id}/status`)).body;
    if (status.state === 'completed' || status.state === 'refused') break;
    if (Date.now() > deadline) throw new Error(`the publish did not complete in 10 minutes: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const publishMs = Date.now() - started;
  const cpuMs = server.elapsedMs();
  const rss = target.pids().reduce((sum, pid) => sum + rssBytes(pid), 0);
  if (status.state === 'refused') throw new Error(`the publish was refused: ${status.error}`);
  return {
    devices,
    registerPerS: Math.round((devices * 1000) / registerMs),
    publishMs,
    devicesPerS: Math.round((status.delivered * 1000) / publishMs),
    delivered: status.delivered,
    failed: status.failed,
    byProvider: { apns: sinks.counts.apns - before.apns, fcm: sinks.counts.fcm - before.fcm, web: sinks.counts.web - before.web },
    serverCpuMsPer1000: status.delivered > 0 ? Math.round((cpuMs * 1000 * 1000) / status.delivered) / 1000 : 0,
    serverRssBytes: rss,
  };
}
