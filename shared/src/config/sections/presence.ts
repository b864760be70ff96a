import { setting } from '../setting.js';

/** PRESENCE are the keys of the presence service and of its gRPC clients. */
export const PRESENCE = {
  presence: {
    grpc_url: setting.string('127.0.0.1:50051', { env: ['PRESENCE_GRPC_URL'], doc: 'Address (host:port) of the presence service, for gateways and api.' }),
    grpc_host: setting.string('127.0.0.1', { env: ['PRESENCE_GRPC_HOST'], doc: 'Address the presence service binds: loopback by default; `0.0.0.0` (with grpc_token or grpc_tls) when gateways run on other hosts.' }),
    grpc_port: setting.int(50051, { env: ['PRESENCE_GRPC_PORT'], min: 0, doc: 'Port the presence service listens on.' }),
    grpc_token: setting.string('', { env: ['PRESENCE_GRPC_TOKEN'], doc: 'Shared secret every gRPC call to the presence service carries (`authorization: Bearer`); the service refuses calls without it (UNAUTHENTICATED). Empty: no token; never logged.' }),
    grpc_tls: {
      cert_file: setting.string('', { env: ['PRESENCE_GRPC_TLS_CERT_FILE'], doc: 'Certificate (PEM) the presence service serves gRPC with; with key_file it listens with TLS only.' }),
      key_file: setting.string('', { env: ['PRESENCE_GRPC_TLS_KEY_FILE'], doc: 'Unencrypted key (PEM) of cert_file.' }),
      ca_file: setting.string('', { env: ['PRESENCE_GRPC_TLS_CA_FILE'], doc: 'CA (PEM) the clients trust for the presence service; set on gateways and api to connect with TLS. On the service, it also requires client certificates signed by it.' }),
      client_cert_file: setting.string('', { env: ['PRESENCE_GRPC_TLS_CLIENT_CERT_FILE'], doc: 'Client certificate (PEM) gateways and api present (when the service requires one).' }),
      client_key_file: setting.string('', { env: ['PRESENCE_GRPC_TLS_CLIENT_KEY_FILE'], doc: 'Unencrypted key (PEM) of client_cert_file.' }),
    },
    grpc_deadline_ms: setting.int(2000, { env: ['PRESENCE_GRPC_DEADLINE_MS'], min: 1, unit: 'ms', doc: 'Deadline of each call to the presence service; past it the caller gets a clear error, never a hang.' }),
  },
} as const;
