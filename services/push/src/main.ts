import { runProcess } from '@sockudo-ts/shared';
import { composePush } from './service.js';

// The push service: consumes the `push` queue on Redis and delivers through APNs, FCM and Web Push.
await runProcess('push', composePush);
