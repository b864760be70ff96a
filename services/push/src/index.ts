// The public surface of @sockudo-ts/push: provider clients and the push worker, for the push service and the embedded server.
export { APNS_PRODUCTION, APNS_SANDBOX, ApnsProvider, type ApnsOptions } from './providers/apns.js';
export { FCM_ENDPOINT, FCM_SCOPE, FcmProvider, type FcmOptions, type ServiceAccount } from './providers/fcm.js';
export { WebPushProvider, type VapidKeys, type WebPushOptions } from './providers/webpush.js';
export {
  DEFAULT_TIMEOUT_MS,
  StaticProviders,
  parseRetryAfter,
  type ProviderDirectory,
  type PushProvider,
  type SendOutcome,
  type SendRequest,
} from './providers/provider.js';
export { Limiter } from './limiter.js';
export type { PushPorts } from './ports.js';
export { PushMetrics, type NotificationResult } from './metrics.js';
export { PublishRefused, PushPlanner, type PlannerOptions } from './planner.js';
export { PushDelivery, type DeliveryOptions } from './delivery.js';
export { DEFAULT_PUSH_RETRY, PushWorker, type PushWorkerOptions } from './worker.js';
export { providersFromConfig, workerOptionsFromConfig } from './settings.js';
export { composePush, pushWorkerService } from './service.js';
