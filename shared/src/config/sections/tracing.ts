import { setting } from '../setting.js';

/** TRACING_SAMPLERS are the OTEL_TRACES_SAMPLER values this server understands. */
export const TRACING_SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;

/**
 * TRACING are the OpenTelemetry keys. The standard OTEL_* environment variables set them, so a process set up
 * the OpenTelemetry way needs no file; tracing is off unless `enabled` is true or an endpoint is given.
 */
export const TRACING = {
  tracing: {
    enabled: setting.bool(false, { env: ['TRACING_ENABLED'], doc: 'Export traces over OTLP/HTTP; also on whenever an endpoint is set (default endpoint http://localhost:4318).' }),
    sdk_disabled: setting.bool(false, { env: ['OTEL_SDK_DISABLED'], doc: 'The OpenTelemetry kill switch: true keeps tracing off whatever the other keys say.' }),
    endpoint: setting.string('', { env: ['OTEL_EXPORTER_OTLP_ENDPOINT'], doc: 'Base URL of the OTLP/HTTP collector; `/v1/traces` is appended. Setting it turns tracing on.' }),
    traces_endpoint: setting.string('', { env: ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'], doc: 'Full URL spans are posted to, used as is; wins over `endpoint`. Setting it turns tracing on.' }),
    protocol: setting.choice(['http/protobuf', 'http/json'] as const, 'http/protobuf', { env: ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'], doc: 'OTLP encoding of exported spans.' }),
    headers: setting.string('', { env: ['OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'OTEL_EXPORTER_OTLP_HEADERS'], doc: 'Extra request headers for the collector, `key=value` pairs separated by commas (W3C baggage format).' }),
    service_name: setting.string('', { env: ['OTEL_SERVICE_NAME'], doc: 'service.name of every span; empty means the role: sockudo-ts-api, -gateway, -presence, -webhook, -push, -standalone.' }),
    resource_attributes: setting.string('', { env: ['OTEL_RESOURCE_ATTRIBUTES'], doc: 'Extra resource attributes, `key=value` pairs separated by commas; service.instance.id defaults to the node id.' }),
    sampler: setting.choice(TRACING_SAMPLERS, 'parentbased_always_on', { env: ['OTEL_TRACES_SAMPLER'], doc: 'Which traces are recorded; the parent-based samplers follow the caller\'s sampled flag.' }),
    sampler_arg: setting.number(1, { env: ['OTEL_TRACES_SAMPLER_ARG'], min: 0, max: 1, doc: 'Ratio of new traces recorded by the traceidratio samplers (1 = all).' }),
  },
} as const;
