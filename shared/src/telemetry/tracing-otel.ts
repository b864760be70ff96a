import { createRequire, syncBuiltinESMExports } from 'node:module';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { BusMessage } from '../bus/bus.js';
import type { TracingSettings } from '../config/config.js';
import type { AppId, ChannelName } from '../ids.js';
import type { DeliverySpan, PublishSpan, RequestInfo, TraceScope, Tracing, TracingStart } from './tracing-types.js';

// why: the messaging attributes are still "incubating" in the semantic conventions package, whose authors
// ask users to copy them rather than import that entry point.
const MESSAGING_SYSTEM = 'messaging.system';
const MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
const MESSAGING_OPERATION_NAME = 'messaging.operation.name';
const MESSAGING_DESTINATION = 'messaging.destination.name';
const MESSAGING_MESSAGE_ID = 'messaging.message.id';
const MESSAGING_BODY_SIZE = 'messaging.message.body.size';
const HTTP_ROUTE = 'http.route';
const APP_ID = 'sockudo.app_id';

/** INSTRUMENTED are the packages whose maintained instrumentations are registered. */
const INSTRUMENTED = ['node:http', 'node:https', 'express', '@grpc/grpc-js', 'ioredis'];

/** NOT_TRACED are listener paths that are never a span: health checks and scrapes. */
const NOT_TRACED = /^\/(metrics|up|ready|health)(\/|\?|$)/;

/**
 * startOtelTracing registers the OpenTelemetry SDK (tracer provider, W3C propagation, async context) and the
 * http, express, gRPC and ioredis instrumentations, exporting over OTLP/HTTP in batches. `defaultName` is the
 * role's service.name (tracing.ts names it, so that this module imports nothing but types from there).
 */
export function startOtelTracing(settings: TracingSettings, who: TracingStart, defaultName: string): Tracing {
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes(resourceAttributes(settings, who, defaultName))),
    sampler: samplerOf(settings),
    spanProcessors: [new BatchSpanProcessor(exporterOf(settings))],
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => NOT_TRACED.test(req.url ?? ''),
        // why: without a parent, outgoing requests are the SDK's own exports and background polls.
        requireParentforOutgoingSpans: true,
      }),
      new ExpressInstrumentation(),
      // why: a node heartbeat every few seconds per node would be most of the traces and tell nothing.
      new GrpcInstrumentation({ ignoreGrpcMethods: ['Heartbeat'] }),
      // why: BullMQ polls Redis without end; only commands made on behalf of a traced operation are spans.
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  patchLoaded();
  return new OtelTracing(provider.getTracer('sockudo-ts'), who, () => provider.shutdown());
}

/**
 * patchLoaded requires each instrumented package once, so that the instrumentations' require hooks patch
 * its exports (and prototypes) even when an ES module imported it before, then refreshes the named exports
 * of built-in modules that ES modules see.
 */
function patchLoaded(): void {
  const require = createRequire(import.meta.url);
  for (const name of INSTRUMENTED) {
    try {
      require(name);
    } catch {
      // why: a package that is not installed has nothing to patch.
    }
  }
  syncBuiltinESMExports();
}

/** resourceAttributes are the resource of every span: service.name from the role, service.instance.id from the node id, then the configured ones. */
export function resourceAttributes(settings: TracingSettings, who: TracingStart, defaultName: string): Record<string, string> {
  const attributes: Record<string, string> = { 'service.name': defaultName, 'service.instance.id': who.nodeId };
  Object.assign(attributes, parsePairs(settings.resource_attributes));
  if (settings.service_name !== '') attributes['service.name'] = settings.service_name;
  return attributes;
}

/** parsePairs reads `key=value,key2=value2` (values percent-encoded, as OTEL_RESOURCE_ATTRIBUTES has them). */
export function parsePairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const key = pair.slice(0, at).trim();
    try {
      out[key] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      out[key] = pair.slice(at + 1).trim();
    }
  }
  return out;
}

function samplerOf(settings: TracingSettings): Sampler {
  const ratio = new TraceIdRatioBasedSampler(settings.sampler_arg);
  switch (settings.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function exporterOf(settings: TracingSettings): JsonExporter | ProtobufExporter {
  const url = settings.traces_endpoint !== '' ? settings.traces_endpoint : `${(settings.endpoint || 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;
  const config = { url, headers: parsePairs(settings.headers) };
  return settings.protocol === 'http/json' ? new JsonExporter(config) : new ProtobufExporter(config);
}

/** OtelTracing is Tracing on the OpenTelemetry API. */
class OtelTracing implements Tracing {
  constructor(
    private readonly tracer: Tracer,
    private readonly who: TracingStart,
    readonly shutdown: () => Promise<void>,
  ) {}

  startPublish(appId: AppId, channel: ChannelName, message: BusMessage): PublishSpan {
    const active = context.active();
    const parent = trace.getSpan(active) !== undefined ? active : extract(message.traceparent);
    const span = this.tracer.startSpan(
      `publish ${channel}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          [MESSAGING_SYSTEM]: this.who.busSystem,
          [MESSAGING_OPERATION_TYPE]: 'send',
          [MESSAGING_OPERATION_NAME]: 'publish',
          [MESSAGING_DESTINATION]: channel,
          [MESSAGING_BODY_SIZE]: Buffer.byteLength(message.frame),
          [APP_ID]: appId,
        },
      },
      parent,
    );
    const traceparent = inject(trace.setSpan(parent, span)) ?? message.traceparent;
    return {
      traceparent,
      end: () => {
        // why: a sequenced publish takes its message id from the channel's log after the span started.
        if (message.id !== undefined) span.setAttribute(MESSAGING_MESSAGE_ID, message.id);
        span.end();
      },
      fail: (err) => failed(span, err),
    };
  }

  startDelivery(appId: AppId, channel: ChannelName, message: BusMessage): DeliverySpan {
    const span = this.tracer.startSpan(
      `process ${channel}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          [MESSAGING_SYSTEM]: this.who.busSystem,
          [MESSAGING_OPERATION_TYPE]: 'process',
          [MESSAGING_OPERATION_NAME]: 'deliver',
          [MESSAGING_DESTINATION]: channel,
          [MESSAGING_BODY_SIZE]: Buffer.byteLength(message.frame),
          [APP_ID]: appId,
          ...(message.id !== undefined ? { [MESSAGING_MESSAGE_ID]: message.id } : {}),
        },
      },
      extract(message.traceparent),
    );
    return {
      end: (subscribers, bytes) => {
        span.setAttribute('sockudo.subscribers', subscribers);
        span.setAttribute('sockudo.bytes_written', bytes);
        span.end();
      },
    };
  }

  clientEvent<T>(appId: AppId, channel: ChannelName | undefined, event: string, handle: () => Promise<T>): Promise<T> {
    const attributes: Record<string, string> = { [APP_ID]: appId, 'pusher.event': event };
    if (channel !== undefined) attributes['pusher.channel'] = channel;
    // why: a client event is a new request from outside; its trace starts here, whatever is active.
    return this.tracer.startActiveSpan('client event', { kind: SpanKind.SERVER, attributes, root: true }, (span) => settle(span, handle));
  }

  annotateRequest(info: RequestInfo): void {
    // why: the active span may be express's handler span; the request's own is the http server span.
    const rpc = getRPCMetadata(context.active());
    const span = rpc?.span ?? trace.getActiveSpan();
    if (span === undefined) return;
    if (info.route !== undefined) {
      if (rpc?.type === RPCType.HTTP) rpc.route = info.route;
      span.updateName(`${info.method ?? 'HTTP'} ${info.route}`);
      span.setAttribute(HTTP_ROUTE, info.route);
    }
    if (info.appId !== undefined) span.setAttribute(APP_ID, info.appId);
    if (info.channels !== undefined) span.setAttribute('sockudo.channel_count', info.channels);
  }

  capture(): TraceScope {
    return context.active() as unknown as TraceScope;
  }

  enqueue<T>(scope: TraceScope | undefined, queue: string, job: string, add: (traceparent: string | undefined) => Promise<T>): Promise<T> {
    const parent = (scope as unknown as Context | undefined) ?? context.active();
    const span = this.tracer.startSpan(
      `send ${queue}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: { [MESSAGING_SYSTEM]: this.who.queueSystem, [MESSAGING_OPERATION_TYPE]: 'send', [MESSAGING_OPERATION_NAME]: 'send', [MESSAGING_DESTINATION]: queue, 'sockudo.job': job },
      },
      parent,
    );
    const own = trace.setSpan(parent, span);
    return context.with(own, () => settle(span, () => add(inject(own))));
  }

  consume<T>(queue: string, job: string, traceparent: string | undefined, handle: () => Promise<T>): Promise<T> {
    const span = this.tracer.startSpan(
      `process ${queue}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: { [MESSAGING_SYSTEM]: this.who.queueSystem, [MESSAGING_OPERATION_TYPE]: 'process', [MESSAGING_OPERATION_NAME]: 'process', [MESSAGING_DESTINATION]: queue, 'sockudo.job': job },
      },
      extract(traceparent),
    );
    return context.with(trace.setSpan(ROOT_CONTEXT, span), () => settle(span, handle));
  }

  logFields(): Record<string, string> {
    const span = trace.getActiveSpan();
    if (span === undefined) return {};
    const { traceId, spanId } = span.spanContext();
    return { trace_id: traceId, span_id: spanId };
  }
}

function extract(traceparent: string | undefined): Context {
  return traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, { traceparent });
}

function inject(ctx: Context): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
}

function failed(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  span.end();
}

async function settle<T>(span: Span, run: () => Promise<T>): Promise<T> {
  try {
    const result = await run();
    span.end();
    return result;
  } catch (err) {
    failed(span, err);
    throw err;
  }
}
