import { readFileSync } from 'node:fs';

// The configuration side of how every internal gRPC plane (presence, history) is secured: the TLS files of a
// `<section>.grpc_tls` table read into what grpc-auth.ts builds credentials from. Kept apart from grpc-auth.ts so
// that config checks and drivers can use it without loading grpc-js.

/** GrpcTlsFiles are the PEM files of a `<section>.grpc_tls` config table (empty strings: not set). */
export interface GrpcTlsFiles {
  cert_file: string;
  key_file: string;
  ca_file: string;
  client_cert_file: string;
  client_key_file: string;
}

/** GrpcClientTls connects with TLS, trusting `ca` (PEM), presenting `cert` / `key` when the service asks for one. */
export interface GrpcClientTls {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** GrpcServerTls serves with TLS (cert and key, PEM); with `ca`, clients must present a certificate it signed. */
export interface GrpcServerTls {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** clientTlsOf reads the client side of a grpc_tls table: TLS when `ca_file` is set, with the client certificate when given. */
export function clientTlsOf(files: GrpcTlsFiles): GrpcClientTls | undefined {
  if (files.ca_file === '') return undefined;
  return {
    ca: readFileSync(files.ca_file),
    ...(files.client_cert_file ? { cert: readFileSync(files.client_cert_file) } : {}),
    ...(files.client_key_file ? { key: readFileSync(files.client_key_file) } : {}),
  };
}

/** serverTlsOf reads the service side of a grpc_tls table: TLS when `cert_file` is set, client certificates required when `ca_file` is. */
export function serverTlsOf(files: GrpcTlsFiles): GrpcServerTls | undefined {
  if (files.cert_file === '') return undefined;
  return { cert: readFileSync(files.cert_file), key: readFileSync(files.key_file), ...(files.ca_file ? { ca: readFileSync(files.ca_file) } : {}) };
}

/** grpcAuthenticated tells whether a grpc_token / grpc_tls pair secures its plane (a token, or TLS on either side). */
export function grpcAuthenticated(token: string, files: Pick<GrpcTlsFiles, 'cert_file' | 'ca_file'>): boolean {
  return token !== '' || files.cert_file !== '' || files.ca_file !== '';
}

