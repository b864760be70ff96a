import type { TracingSettings } from '../config/config.js';
import type { Tracing, TracingStart } from './tracing-types.js';

export type { DeliverySpan, PublishSpan, RequestInfo, TraceScope, Tracing, TracingStart } from './tracing-types.js';

let active: Tracing | undefined;

/** activeTracing is the running Tracing, or undefined when tracing is off (the default). */
export function activeTracing(): Tracing | undefined {
  return active;
}

/** tracingEnabled tells whether the settings turn tracing on: `enabled`, or an endpoint given, unless `sdk_disabled`. */
export function tracingEnabled(settings: TracingSettings): boolean {
  if (settings.sdk_disabled) return false;
  return settings.enabled || settings.endpoint !== '' || settings.traces_endpoint !== '';
}

/**
 * startTracing loads OpenTelemetry and starts exporting, when the settings turn tracing on; otherwise it
 * loads nothing and returns undefined. Call it before any driver is opened, so that the http, express,
 * gRPC and ioredis instrumentations patch those modules before they are used. Starting twice returns the
 * running Tracing.
 */
export async function startTracing(settings: TracingSettings, who: TracingStart): Promise<Tracing | undefined> {
  if (active !== undefined || !tracingEnabled(settings)) return active;
  const { startOtelTracing } = await import('./tracing-otel.js');
  active = startOtelTracing(settings, who, serviceName(who.role));
  return active;
}

/**
 * stopTracing flushes and stops the running Tracing (nothing when tracing is off). It never fails: spans that
 * cannot be exported by then (collector down, export limit) are dropped, and the process stops as it would.
 */
export async function stopTracing(): Promise<void> {
  const running = active;
  active = undefined;
  await running?.shutdown().catch(() => undefined);
}

/** serviceName is the default `service.name` of a role: `sockudo-ts-<role>`. */
export function serviceName(role: string): string {
  return `sockudo-ts-${role}`;
}
