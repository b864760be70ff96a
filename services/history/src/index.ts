// The public surface of @sockudo-ts/history: the history service's composition and its retention job.
export { composeHistory, retentionRules } from './service.js';
export { RetentionJob } from './retention.js';
