import type {
  AppStore,
  Bus,
  CacheStore,
  HistoryStore,
  ChannelPublisher,
  Logger,
  Metrics,
  Presence,
  RateLimits,
  ServerConfig,
  WebhookDeadLetters,
} from '@sockudo-ts/shared';
import type { PushApi } from './push/push-api.js';

/** ApiDeps are the ports and settings the HTTP API is composed from. */
export interface ApiDeps {
  config: ServerConfig;
  apps: AppStore;
  bus: Bus;
  presence: Presence;
  cache: CacheStore;
  metrics: Metrics;
  logger: Logger;
  /** publisher sends events to their channels (one pipeline with client events). */
  publisher: ChannelPublisher;
  /** webhookDeadLetters serves the dead-letter routes; without it they answer 404. */
  webhookDeadLetters?: WebhookDeadLetters;
  /** push serves the push routes and the Pusher Beams APIs; without it they answer 404. */
  push?: PushApi;
  /** history serves `GET /channels/:channel/history`; without it that route answers 404. */
  history?: Pick<HistoryStore, 'read'>;
  /** limits are the rate limiter's limits; absent while the rate limiter is off. */
  limits?: RateLimits;
}
