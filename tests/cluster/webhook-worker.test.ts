import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAppStore, QueueWebhookSink, WEBHOOK_QUEUE, asChannelName, asSocketId, asUserId, type App, type WebhookJob } from '@sockudo-ts/shared';
import { BullMqJobQueue } from '@sockudo-ts/shared/implementations';
import { newApp, sleep, waitFor, type TestApp } from '../kit/index.js';
import { REDIS, servicesUp, uniquePrefix } from '../kit/services.js';
import { event, startWebhookReceiver, type WebhookReceiver } from '../kit/webhooks.js';

const up = await servicesUp('webhook worker (BullMQ)', REDIS);
const REDIS_URL = `redis://${REDIS.host}:${REDIS.port}`;
const LOCK_MS = 1000;

/** WorkerProcess is `node services/webhook/dist/main.js` started by the test, killable with any signal. */
class WorkerProcess {
  readonly logs: string[] = [];
  private child?: ChildProcess;

  constructor(
    private readonly configFile: string,
    private readonly env: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['services/webhook/dist/main.js', '--config', this.configFile], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => this.logs.push(...chunk.split('\n').filter(Boolean)));
    }
    await waitFor(() => this.logs.some((l) => l.includes('webhook worker consuming')) || child.exitCode !== null, 15_000, 'the webhook worker to start');
    if (child.exitCode !== null) throw new Error(`webhook worker exited: ${this.logs.slice(-5).join(' | ')}`);
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await gone;
  }
}

describe.skipIf(!up)('webhook worker process on BullMQ', () => {
  const prefix = uniquePrefix('webhooks');
  const dir = mkdtempSync(join(tmpdir(), 'sockudo-webhook-'));
  let app: TestApp;
  let receiver: WebhookReceiver;
  let producer: BullMqJobQueue<WebhookJob>;
  let sink: QueueWebhookSink;
  let worker: WorkerProcess;

  beforeAll(async () => {
    app = newApp();
    receiver = await startWebhookReceiver([app]);
    const webhooks = [{ url: receiver.url('/hooks'), event_types: ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed', 'client_event'] }];
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ app_manager: { driver: 'memory', array: { apps: [{ ...app, webhooks }] } } }));
    worker = new WorkerProcess(configFile, {
      REDIS_URL,
      QUEUE_REDIS_PREFIX: prefix,
      QUEUE_REDIS_LOCK_DURATION_MS: String(LOCK_MS),
      QUEUE_REDIS_CONCURRENCY: '5',
      // why: this suite holds five deliveries of one app in flight; the per-app cap would defer three.
      WEBHOOKS_MAX_CONCURRENT_PER_APP: '0',
      METRICS_ENABLED: 'false',
      LOG_LEVEL: 'info',
      WEBHOOKS_TIMEOUT_MS: '20000',
      WEBHOOKS_RETRY_BASE_DELAY_MS: '50',
      WEBHOOKS_RETRY_MAX_DELAY_MS: '500',
      WEBHOOKS_RETRY_MAX_ELAPSED_MS: '60000',
    });
    // The producer side, as the presence service and the gateways run it: the sink on the same BullMQ queue.
    producer = await BullMqJobQueue.connect<WebhookJob>({ url: REDIS_URL, name: WEBHOOK_QUEUE, prefix });
    const definition = { ...app, webhooks } as unknown as App;
    const apps = new MemoryAppStore([definition]);
    sink = new QueueWebhookSink(producer, apps, { vacateDelayMs: 500 });
  });

  afterAll(async () => {
    await worker?.kill('SIGKILL');
    await producer?.clear();
    await producer?.close();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers signed webhooks queued by another process, with the vacate delay and its cancellation', async () => {
    await worker.start();
    sink.emit(app.id, { name: 'channel_occupied', channel: asChannelName('presence-a') });
    sink.emit(app.id, { name: 'member_added', channel: asChannelName('presence-a'), user_id: asUserId('u1') });
    sink.emit(app.id, { name: 'client_event', channel: asChannelName('presence-a'), event: 'client-x', data: '{"n":1}', socket_id: asSocketId('1.2'), user_id: asUserId('u1') });
    sink.emit(app.id, { name: 'member_removed', channel: asChannelName('presence-a'), user_id: asUserId('u1') });
    sink.emit(app.id, { name: 'channel_vacated', channel: asChannelName('presence-a') });
    // flicker: vacated and occupied again within the delay sends neither
    sink.emit(app.id, { name: 'channel_vacated', channel: asChannelName('flicker') });
    sink.emit(app.id, { name: 'channel_occupied', channel: asChannelName('flicker') });
    await sink.flush();
    await receiver.waitAccepted(event('channel_vacated', 'presence-a'), 1, 10_000);
    await receiver.waitAccepted(event('member_removed', 'presence-a', 'u1'), 1, 10_000);
    await sleep(1000);
    const names = receiver.accepted().map((e) => `${e.name}:${e.channel}`).sort();
    expect(names).toEqual(['channel_occupied:presence-a', 'channel_vacated:presence-a', 'client_event:presence-a', 'member_added:presence-a', 'member_removed:presence-a']);
    expect(receiver.accepted().find((e) => e.name === 'client_event')).toMatchObject({ user_id: 'u1', socket_id: '1.2', data: '{"n":1}' });
    expect(receiver.invalid()).toEqual([]);
  });

  it('loses nothing when the worker is killed with SIGKILL mid-delivery: the jobs are redelivered after a restart', async () => {
    const before = receiver.requests.length;
    let hang = true;
    const hung: Array<() => void> = [];
    receiver.respond = () => (hang ? 0 : 200);
    receiver.onHold = (release) => hung.push(release);
    const channels = ['k1', 'k2', 'k3', 'k4', 'k5'];
    for (const channel of channels) sink.emit(app.id, { name: 'channel_occupied', channel: asChannelName(channel) });
    await sink.flush();
    await waitFor(() => hung.length === 5, 10_000, 'five deliveries in flight');

    await worker.kill('SIGKILL');
    hang = false;
    for (const release of hung) release();
    expect(receiver.accepted().filter((e) => channels.includes(e.channel))).toEqual([]);

    await worker.start();
    for (const channel of channels) await receiver.waitAccepted(event('channel_occupied', channel), 1, 20_000);
    await sleep(LOCK_MS * 2);
    const accepted = receiver.accepted().filter((e) => channels.includes(e.channel));
    expect(accepted.map((e) => e.channel).sort()).toEqual(channels);
    expect(receiver.requests.length - before).toBe(10);
    expect(receiver.invalid()).toEqual([]);
    expect(await producer.depth()).toBe(0);
  }, 60_000);

  it('stops on SIGTERM after finishing what it was doing', async () => {
    await worker.kill('SIGTERM');
    expect(worker.logs.some((l) => l.includes('webhook worker stopping'))).toBe(true);
  });
});
