import { setting } from '../setting.js';

/** API are the keys of the HTTP API. */
export const API = {
  http_api: {
    request_limit_in_mb: setting.number(1, { env: ['HTTP_API_REQUEST_LIMIT_IN_MB'], min: 0.001, unit: 'MiB', doc: 'Largest HTTP request body; larger bodies get 413.' }),
    max_in_flight: setting.int(1000, { env: ['HTTP_API_MAX_IN_FLIGHT'], min: 0, doc: 'HTTP API requests one process serves at once; more get 503 with Retry-After at once (no queueing, no body read). Zero means no limit.' }),
  },
} as const;
