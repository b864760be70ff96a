// The public surface of @sockudo-ts/webhook: the delivery worker, for the webhook service and the embedded server.
export { Batcher, type Batch } from './batcher.js';
export { RETRYABLE_STATUSES, classifyStatus, postWebhook, safeUrl, signedRequest, type DeliveryOutcome, type WebhookRequest } from './delivery.js';
export { WebhookMetrics, type DeliveryResult } from './metrics.js';
export { WebhookFailure, WebhookWorker, type WebhookWorkerOptions } from './worker.js';
export { workerOptionsFromConfig } from './settings.js';
export { composeWebhook, webhookWorkerService } from './service.js';
