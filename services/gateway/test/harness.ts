import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ChannelPublisher,
  LocalPresence,
  MemoryAppStore,
  MemoryBus,
  MemoryCacheStore,
  MemoryPresenceStore,
  Metrics,
  asNodeId,
  buildConfig,
  createLogger,
  type App,
  type Presence,
} from '@sockudo-ts/shared';
import { Gateway } from '../src/gateway.js';
import { WebhookRecorder } from './fakes.js';

/** TestGateway is a Gateway on a random port over the in-memory bus, presence store and cache. */
export interface TestGateway {
  gateway: Gateway;
  host: string;
  port: number;
  app: App & { id: string; key: string; secret: string };
  bus: MemoryBus;
  store: MemoryPresenceStore;
  presence: LocalPresence;
  webhooks: WebhookRecorder;
  stop(): Promise<void>;
}

/** HarnessOptions adjust the test gateway: app fields, config keys, and a wrapper around presence. */
export interface HarnessOptions {
  app?: Partial<App>;
  config?: Record<string, unknown>;
  /** wrapPresence lets a test slow down or break what the gateway sees of presence. */
  wrapPresence?: (presence: Presence) => Presence;
}

/** startTestGateway composes a gateway like the embedded server does, minus the HTTP API. */
export async function startTestGateway(options: HarnessOptions = {}): Promise<TestGateway> {
  const appFields = { id: 'app-1', key: 'key-1', secret: 'secret-1', ...options.app };
  const config = buildConfig([{ name: 'test', values: { ...options.config, app_manager: { array: { apps: [appFields] } } } }], {});
  const app = config.app_manager.array.apps[0]! as TestGateway['app'];
  const apps = new MemoryAppStore(config.app_manager.array.apps);
  const bus = new MemoryBus();
  const store = new MemoryPresenceStore();
  const webhooks = new WebhookRecorder();
  const presence = new LocalPresence(store, bus, apps, webhooks, { subscriptionCountThrottleMs: config.subscription_count.throttle_ms });
  const publisher = new ChannelPublisher(bus, new MemoryCacheStore(), config.channel_limits.cache_ttl);
  const logger = createLogger({ level: 'silent', service: 'test' });
  const gateway = new Gateway({
    config,
    apps,
    bus,
    presence: options.wrapPresence ? options.wrapPresence(presence) : presence,
    webhooks,
    metrics: new Metrics('t_'),
    logger,
    nodeId: asNodeId('node-1'),
    publisher,
  });
  const http: Server = createServer();
  http.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  await gateway.start();
  return {
    gateway,
    host: '127.0.0.1',
    port: (http.address() as AddressInfo).port,
    app,
    bus,
    store,
    presence,
    webhooks,
    stop: async () => {
      await gateway.stop(500);
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      presence.close();
      await bus.close();
    },
  };
}
