import * as grpc from '@grpc/grpc-js';
import { safeEqual } from '../protocol/signing.js';
import type { GrpcClientTls, GrpcServerTls } from './grpc-auth-config.js';

// How every internal gRPC plane (presence, history) is secured: a shared token each call carries as
// `authorization: Bearer <token>`, and TLS with an optional client certificate. The presence and history
// services and their clients all go through these functions, configured by the same keys under their sections
// (`<section>.grpc_token`, `<section>.grpc_tls.*`, read by grpc-auth-config.ts).

/** GRPC_AUTH_KEY is the metadata key of the shared token. */
export const GRPC_AUTH_KEY = 'authorization';

/** clientCredentials are a client's channel credentials: TLS when given, else plaintext. */
export function clientCredentials(tls: GrpcClientTls | undefined): grpc.ChannelCredentials {
  return tls === undefined ? grpc.credentials.createInsecure() : grpc.credentials.createSsl(tls.ca, tls.key ?? null, tls.cert ?? null);
}

/** tokenMetadata is the metadata a client sends with every call: the token, when not empty. */
export function tokenMetadata(token: string | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (token) metadata.set(GRPC_AUTH_KEY, `Bearer ${token}`);
  return metadata;
}

/** serverCredentials are a service's credentials: TLS when given (client certificates required with a CA), else plaintext. */
export function serverCredentials(tls: GrpcServerTls | undefined): grpc.ServerCredentials {
  return tls === undefined ? grpc.ServerCredentials.createInsecure() : grpc.ServerCredentials.createSsl(tls.ca ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.ca !== undefined);
}

/**
 * TokenGuard checks the shared token of a service's calls. With an empty token every call passes; else a call
 * without `authorization: Bearer <token>` is refused with UNAUTHENTICATED naming the config key (never the token).
 */
export class TokenGuard {
  private readonly expected: string | undefined;

  constructor(token: string | undefined, private readonly key: string) {
    this.expected = token ? `Bearer ${token}` : undefined;
  }

  /** refusal is the error to answer a call with, or undefined when its metadata carries the token. */
  refusal(metadata: grpc.Metadata): Partial<grpc.StatusObject> | undefined {
    if (this.expected === undefined) return undefined;
    const given = metadata.get(GRPC_AUTH_KEY)[0];
    if (typeof given === 'string' && safeEqual(given, this.expected)) return undefined;
    return { code: grpc.status.UNAUTHENTICATED, details: `missing or wrong token (${this.key})` };
  }
}
