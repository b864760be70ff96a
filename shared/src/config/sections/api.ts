import { setting } from '../setting.js';

/** API are the keys of the HTTP API. */
export const API = {
  http_api: {
    request_limit_in_mb: setting.number(1, { env: ['HTTP_API_REQUEST_LIMIT_IN_MB'], min: 0.001, unit: 'MiB', doc: 'Largest HTTP request body; larger bodies get 413.' }),
  },
} as const;
