// The public surface of @sockudo-ts/api.
export { HttpApi, type ApiDeps } from './api.js';
export { expressServerOptions } from './express-server.js';
export { MAX_CLOCK_SKEW_S, verifyBody, verifyRequest, verifySignedQuery } from './middleware/signature.js';
export { parseQuery, type Query } from './middleware/query.js';
export { parseEvent, parseInfo, Publisher, type EventRequest } from './publish.js';
export { composeApi } from './service.js';
export type { ApiCall, ApiRouter, RouteHandler, RouteModule } from './routes/route.js';
export { PushApi, type PushLimits } from './push/push-api.js';
export { verifyBeamsToken } from './beams/beams-token.js';
