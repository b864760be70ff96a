// The tracing port's types, apart from the facade (tracing.ts) so that the SDK module (tracing-otel.ts), which
// the facade loads on demand, depends on these types only and never on the facade itself.
import type { BusMessage } from '../bus/bus.js';
import type { AppId, ChannelName, NodeId } from '../ids.js';

/** PublishSpan is the producer span of one bus publish; `traceparent` is what travels with the message. */
export interface PublishSpan {
  /** traceparent is the W3C context of this span (undefined when the span is not sampled and had no parent). */
  readonly traceparent: string | undefined;
  end(): void;
  fail(err: unknown): void;
}

/** DeliverySpan is a gateway's receipt and fan-out of one bus message. */
export interface DeliverySpan {
  /** end records how many local subscribers got the frame and the bytes written, and ends the span. */
  end(subscribers: number, bytes: number): void;
}

/** TraceScope is a trace context captured now and resumed later (opaque). */
export type TraceScope = { readonly __traceScope: unique symbol };

/** RequestInfo is what the HTTP API adds to its request's server span; each field is set when given. */
export interface RequestInfo {
  /** method and route name the span (`POST /apps/:appId/events`). */
  method?: string;
  route?: string;
  appId?: AppId;
  /** channels is how many channels the request publishes to. */
  channels?: number;
}

/**
 * Tracing records the spans that follow one event across processes. It exists only while tracing is on
 * (`activeTracing()` is undefined otherwise), so that code on hot paths pays one comparison when it is off;
 * the OpenTelemetry packages are loaded only when it is started.
 */
export interface Tracing {
  /**
   * startPublish starts the producer span of a bus publish, a child of the active span; without an active
   * span, `traceparent` (the caller's W3C context) is the parent.
   */
  startPublish(appId: AppId, channel: ChannelName, message: BusMessage): PublishSpan;
  /** startDelivery starts the consumer span of a received bus message, a child of its `traceparent`. */
  startDelivery(appId: AppId, channel: ChannelName, message: BusMessage): DeliverySpan;
  /** clientEvent runs a gateway's handling of a client event in a new server span: the trace starts there. */
  clientEvent<T>(appId: AppId, channel: ChannelName | undefined, event: string, handle: () => Promise<T>): Promise<T>;
  /** annotateRequest names the active HTTP server span after its route and adds the app id and channel count. */
  annotateRequest(info: RequestInfo): void;
  /** capture returns the active context, for work that runs later on its behalf (a webhook queued later). */
  capture(): TraceScope;
  /**
   * enqueue runs `add` in a producer span on `queue`, a child of `scope`; `add` gets the traceparent to store
   * in the job.
   */
  enqueue<T>(scope: TraceScope | undefined, queue: string, job: string, add: (traceparent: string | undefined) => Promise<T>): Promise<T>;
  /** consume runs one job in a consumer span on `queue`, a child of the traceparent stored in the job. */
  consume<T>(queue: string, job: string, traceparent: string | undefined, handle: () => Promise<T>): Promise<T>;
  /** logFields are `trace_id` and `span_id` of the active span, or an empty object. */
  logFields(): Record<string, string>;
  /** shutdown exports what is buffered and stops the exporter. */
  shutdown(): Promise<void>;
}

/** TracingStart is who is tracing: the process's role and node id, and the bus and queue drivers it runs. */
export interface TracingStart {
  role: string;
  nodeId: NodeId;
  /** busSystem is `messaging.system` of bus spans (`nats`, `memory`). */
  busSystem: string;
  /** queueSystem is `messaging.system` of queue spans (`bullmq`, `memory`). */
  queueSystem: string;
}
