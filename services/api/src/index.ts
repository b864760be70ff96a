// The public surface of @sockudo-ts/api.
export { HttpApi, type ApiDeps } from './api.js';
export { MAX_CLOCK_SKEW_S, verifyRequest } from './auth.js';
export { parseEvent, parseInfo, Publisher, type EventRequest } from './publish.js';
export { composeApi } from './service.js';
