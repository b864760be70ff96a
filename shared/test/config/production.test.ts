import { describe, expect, it } from 'vitest';
import { loadConfig } from '@sockudo-ts/shared';
import { tempCwd } from './helpers.js';

const load = (env: Record<string, string>) => loadConfig({ argv: [], env: { SOCKUDO_DEFAULT_APP_SECRET: 'a-long-random-secret', ...env }, cwd: tempCwd({}) });

describe('environment = production refuses an unauthenticated internal plane, and says why', () => {
  it('starts the embedded server (no internal plane) and binds internal listeners to loopback by default', () => {
    const config = load({ ENVIRONMENT: 'production' });
    expect(config.metrics.host).toBe('127.0.0.1');
    expect(config.presence.grpc_host).toBe('127.0.0.1');
  });

  it('refuses the distributed shape with presence gRPC and NATS open, naming both and the way out', () => {
    const refusal = () => load({ ENVIRONMENT: 'production', ADAPTER_DRIVER: 'nats' });
    expect(refusal).toThrow(/presence gRPC link has no authentication \(set presence.grpc_token \/ PRESENCE_GRPC_TOKEN/);
    expect(refusal).toThrow(/NATS has no credentials/);
    expect(refusal).toThrow(/inject frames into private channels/);
    expect(refusal).toThrow(/INTERNAL_PLANE_ALLOW_UNAUTHENTICATED/);
  });

  it('starts once both links are authenticated, by token and credentials, TLS, or URL credentials', () => {
    expect(load({ ENVIRONMENT: 'production', ADAPTER_DRIVER: 'nats', PRESENCE_GRPC_TOKEN: 't', NATS_USERNAME: 'u', NATS_PASSWORD: 'p' }).adapter.nats.username).toBe('u');
    expect(() => load({ ENVIRONMENT: 'production', ADAPTER_DRIVER: 'nats', PRESENCE_GRPC_TLS_CA_FILE: '/ca.pem', NATS_TLS_CA_FILE: '/ca.pem' })).not.toThrow();
    expect(() => load({ ENVIRONMENT: 'production', ADAPTER_DRIVER: 'nats', PRESENCE_GRPC_TOKEN: 't', NATS_SERVERS: 'nats://u:p@n1:4222,nats://u:p@n2:4222' })).not.toThrow();
    expect(() => load({ ENVIRONMENT: 'production', ADAPTER_DRIVER: 'nats', PRESENCE_GRPC_TOKEN: 't' })).toThrow(/NATS has no credentials/);
    expect(() => load({ ENVIRONMENT: 'production', ADAPTER_DRIVER: 'nats', INTERNAL_PLANE_ALLOW_UNAUTHENTICATED: 'true' })).not.toThrow();
    expect(() => load({ ENVIRONMENT: 'development', ADAPTER_DRIVER: 'nats' })).not.toThrow();
  });

  it('refuses the history gRPC link without a token or TLS once history is on, as the presence one', () => {
    const base = { ENVIRONMENT: 'production', ADAPTER_DRIVER: 'nats', PRESENCE_GRPC_TOKEN: 't', NATS_USERNAME: 'u', NATS_PASSWORD: 'p' };
    expect(() => load(base)).not.toThrow();
    expect(() => load({ ...base, HISTORY_ENABLED: 'true' })).toThrow(/history gRPC link has no authentication \(set history.grpc_token \/ HISTORY_GRPC_TOKEN/);
    expect(load({ ...base, HISTORY_ENABLED: 'true', HISTORY_GRPC_TOKEN: 'h' }).history.grpc_token).toBe('h');
    expect(() => load({ ...base, HISTORY_ENABLED: 'true', HISTORY_GRPC_TLS_CERT_FILE: '/cert.pem', HISTORY_GRPC_TLS_KEY_FILE: '/key.pem' })).not.toThrow();
    expect(() => load({ ...base, HISTORY_ENABLED: 'true', INTERNAL_PLANE_ALLOW_UNAUTHENTICATED: 'true' })).not.toThrow();
  });
});
