import { setting } from '../setting.js';

/**
 * grpcAuthSettings are the keys that secure an internal gRPC plane, the same for every one (presence, history):
 * `grpc_token` and `grpc_tls.*` under the service's section, with environment variables `<ENV>_GRPC_TOKEN` and
 * `<ENV>_GRPC_TLS_*`. `service` names the service in the docs, `clients` who calls it.
 */
export function grpcAuthSettings(env: string, service: string, clients: string) {
  return {
    grpc_token: setting.string('', {
      env: [`${env}_GRPC_TOKEN`],
      doc: `Shared secret every gRPC call to the ${service} carries (\`authorization: Bearer\`); the service refuses calls without it (UNAUTHENTICATED). Empty: no token; never logged.`,
    }),
    grpc_tls: {
      cert_file: setting.string('', { env: [`${env}_GRPC_TLS_CERT_FILE`], doc: `Certificate (PEM) the ${service} serves gRPC with; with key_file it listens with TLS only.` }),
      key_file: setting.string('', { env: [`${env}_GRPC_TLS_KEY_FILE`], doc: 'Unencrypted key (PEM) of cert_file.' }),
      ca_file: setting.string('', {
        env: [`${env}_GRPC_TLS_CA_FILE`],
        doc: `CA (PEM) the clients trust for the ${service}; set on ${clients} to connect with TLS. On the service, it also requires client certificates signed by it.`,
      }),
      client_cert_file: setting.string('', { env: [`${env}_GRPC_TLS_CLIENT_CERT_FILE`], doc: `Client certificate (PEM) ${clients} present (when the service requires one).` }),
      client_key_file: setting.string('', { env: [`${env}_GRPC_TLS_CLIENT_KEY_FILE`], doc: 'Unencrypted key (PEM) of client_cert_file.' }),
    },
  } as const;
}
