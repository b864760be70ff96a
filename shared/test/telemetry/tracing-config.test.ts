import { describe, expect, it } from 'vitest';
import { ConfigError, buildConfig, tracingEnabled } from '@sockudo-ts/shared';

describe('the tracing config', () => {
  it('is off by default', () => {
    const config = buildConfig([], {});
    expect(tracingEnabled(config.tracing)).toBe(false);
    expect(config.tracing).toMatchObject({ protocol: 'http/protobuf', sampler: 'parentbased_always_on', sampler_arg: 1 });
  });

  it('reads the standard OpenTelemetry variables, and an endpoint turns it on', () => {
    const config = buildConfig([], {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'edge',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,team=rt',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    expect(config.tracing).toMatchObject({
      endpoint: 'http://collector:4318',
      protocol: 'http/json',
      service_name: 'edge',
      resource_attributes: 'deployment.environment=prod,team=rt',
      sampler: 'parentbased_traceidratio',
      sampler_arg: 0.25,
    });
    expect(tracingEnabled(config.tracing)).toBe(true);
  });

  it('turns on from a file with `tracing.enabled`, and the traces-only variables win over the general ones', () => {
    const config = buildConfig([{ name: 'config.toml', values: { tracing: { enabled: true } } }], {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
    });
    expect(tracingEnabled(config.tracing)).toBe(true);
    expect(config.tracing.protocol).toBe('http/protobuf');
  });

  it('stays off with OTEL_SDK_DISABLED=true, whatever else is set', () => {
    const config = buildConfig([{ name: 'config.toml', values: { tracing: { enabled: true } } }], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' });
    expect(tracingEnabled(config.tracing)).toBe(false);
  });

  it('refuses an OTLP protocol it cannot export and names the variable', () => {
    expect(() => buildConfig([], { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(ConfigError);
    expect(() => buildConfig([], { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
  });
});
