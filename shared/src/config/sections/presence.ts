import { setting } from '../setting.js';
import { grpcAuthSettings } from './grpc-auth.js';

/** PRESENCE are the keys of the presence service and of its gRPC clients. */
export const PRESENCE = {
  presence: {
    grpc_url: setting.string('127.0.0.1:50051', { env: ['PRESENCE_GRPC_URL'], doc: 'Address (host:port) of the presence service, for gateways and api.' }),
    grpc_host: setting.string('127.0.0.1', { env: ['PRESENCE_GRPC_HOST'], doc: 'Address the presence service binds: loopback by default; `0.0.0.0` (with grpc_token or grpc_tls) when gateways run on other hosts.' }),
    grpc_port: setting.int(50051, { env: ['PRESENCE_GRPC_PORT'], min: 0, doc: 'Port the presence service listens on.' }),
    ...grpcAuthSettings('PRESENCE', 'presence service', 'gateways and api'),
    grpc_deadline_ms: setting.int(2000, { env: ['PRESENCE_GRPC_DEADLINE_MS'], min: 1, unit: 'ms', doc: 'Deadline of each call to the presence service; past it the caller gets a clear error, never a hang.' }),
  },
} as const;
