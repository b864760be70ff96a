import { runProcess } from '@sockudo-ts/shared';
import { composeStandalone } from './server.js';

// The embedded server of `npm start`: gateway, HTTP API and webhooks in one process, no external services.
await runProcess('standalone', composeStandalone);
