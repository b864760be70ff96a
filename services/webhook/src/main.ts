import { runProcess } from '@sockudo-ts/shared';
import { composeWebhook } from './service.js';

// The webhook service: consumes the `webhooks` queue on Redis and delivers signed webhooks.
await runProcess('webhook', composeWebhook);
