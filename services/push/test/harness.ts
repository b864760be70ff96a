import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import {
  MemoryDeviceStore,
  MemoryPublishStatusStore,
  asAppId,
  createLogger,
  newPublishId,
  type AppId,
  type Device,
  type DeviceRegistration,
  type DeadLetterCounter,
  type JobQueue,
  type PublishId,
  type PublishJob,
  type PublishTarget,
  type PushJob,
  type PushNotification,
  type RetryPolicy,
} from '@sockudo-ts/shared';
import { PushMetrics, PushWorker, type PushWorkerOptions } from '@sockudo-ts/push';
import { startFakeProviders, type FakeProviders } from './fakes/providers.js';
import { hexToken } from './fakes/helpers.js';

/** NOTE is a notification with a part for every platform. */
export const NOTE: PushNotification = {
  apns: { aps: { alert: { title: 'Hello', body: 'World' } }, data: { n: 1 } },
  fcm: { notification: { title: 'Hello', body: 'World' }, data: { n: '1' } },
  web: { notification: { title: 'Hello', body: 'World' }, data: { n: 1 } },
};

/** FAST_RETRY retries after 50-100 ms, then up to 400 ms apart, for 30 s. */
export const FAST_RETRY: RetryPolicy = { baseDelayMs: 100, maxDelayMs: 400, maxElapsedMs: 30_000 };

/**
 * PushHarness is a push worker on a queue with a memory device store and status store, delivering to the
 * three fake providers; `logs` holds every log line, so tests can check that no secret is in them.
 */
export interface PushHarness {
  app: AppId;
  fakes: FakeProviders;
  devices: MemoryDeviceStore;
  statuses: MemoryPublishStatusStore;
  registry: Registry;
  worker: PushWorker;
  logs: string[];
  /** register registers a device the fakes can deliver to (a web device gets a fresh fake subscription). */
  register(platform: 'apns' | 'fcm' | 'web', extra?: Partial<DeviceRegistration>): Promise<Device>;
  /** publish queues a publish as the API would, and returns its id. */
  publish(target: PublishTarget, notification?: PushNotification, ttlSeconds?: number): Promise<PublishId>;
  /** received counts the notifications the fake provider of a device accepted for it. */
  received(device: Device): number;
  close(): Promise<void>;
}

/**
 * startHarness starts the fakes and a worker consuming `queue` (which the caller owns and closes); the
 * provider clients time out after `providerTimeoutMs`.
 */
export async function startHarness(queue: JobQueue<PushJob> & DeadLetterCounter, options: Partial<PushWorkerOptions> = {}, providerTimeoutMs?: number): Promise<PushHarness> {
  const app = asAppId(`push-${randomBytes(4).toString('hex')}`);
  const fakes = await startFakeProviders(providerTimeoutMs);
  const devices = new MemoryDeviceStore();
  const statuses = new MemoryPublishStatusStore(3600);
  const registry = new Registry();
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', service: 'push-test', destination: new Writable({ write: (c, _e, done) => (logs.push(String(c)), done()) }) });
  const worker = new PushWorker({ queue, devices, statuses, providers: fakes.providers, logger, metrics: new PushMetrics(registry, 't_', queue), retry: FAST_RETRY, ...options });
  worker.start();
  return {
    app,
    fakes,
    devices,
    statuses,
    registry,
    worker,
    logs,
    register: (platform, extra = {}) => {
      if (platform === 'web') return devices.register(app, { platform, subscription: fakes.web.subscribe(), ...extra } as DeviceRegistration);
      const token = platform === 'apns' ? hexToken() : `${randomBytes(8).toString('base64url')}:APA91${randomBytes(30).toString('base64url')}`;
      return devices.register(app, { platform, token, ...extra } as DeviceRegistration);
    },
    publish: async (target, notification = NOTE, ttlSeconds = 3600) => {
      const publishId = newPublishId();
      const now = Date.now();
      const job = { v: 1, kind: 'publish', app_id: app, publish_id: publishId, notification, created_at: now, expires_at: now + ttlSeconds * 1000, ...target } as PublishJob;
      await statuses.accepted(app, publishId);
      await queue.add(job);
      return publishId;
    },
    received: (device) => {
      if (device.platform === 'web') return fakes.web.delivered(device.subscription).length;
      return device.platform === 'apns' ? fakes.apns.delivered(device.token).length : fakes.fcm.delivered(device.token).length;
    },
    close: () => fakes.close(),
  };
}
