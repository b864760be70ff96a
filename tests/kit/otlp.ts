import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

// A test OTLP/HTTP trace receiver: it takes what the services export (http/json and http/protobuf, the
// protobuf decoded by hand from the OTLP field numbers), so a test can check the spans of one trace.

/** SpanKindName is a span's kind as the OTLP enum names it, lower-cased. */
export type SpanKindName = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';

const KINDS: SpanKindName[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/** AttributeValue is a scalar attribute value (arrays and maps are kept as their JSON text). */
export type AttributeValue = string | number | boolean;

/** CollectedSpan is one exported span with its resource's service name and instance id. */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  /** parentSpanId is empty for a root span. */
  parentSpanId: string;
  name: string;
  kind: SpanKindName;
  service: string;
  instance: string;
  /** resource holds the attributes of the process that exported the span. */
  resource: Record<string, AttributeValue>;
  attributes: Record<string, AttributeValue>;
  /** encoding is how the span arrived. */
  encoding: 'json' | 'protobuf';
}

/** OtlpReceiver collects spans posted to `POST /v1/traces`. */
export class OtlpReceiver {
  /** spans are every span received so far, in arrival order. */
  readonly spans: CollectedSpan[] = [];
  private waiters: Array<() => void> = [];

  private constructor(private readonly server: Server) {}

  /** start listens on a free 127.0.0.1 port. */
  static async start(): Promise<OtlpReceiver> {
    const server = createServer();
    const receiver = new OtlpReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          if (req.method !== 'POST' || req.url !== '/v1/traces') throw new Error(`unexpected ${req.method} ${req.url}`);
          let body = Buffer.concat(chunks);
          if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
          const json = (req.headers['content-type'] ?? '').includes('json');
          receiver.add(json ? decodeJson(JSON.parse(body.toString('utf8'))) : decodeProtobuf(body));
          res.writeHead(200, { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' });
          res.end(json ? '{}' : undefined);
        } catch (err) {
          res.writeHead(400);
          res.end(String(err));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** endpoint is the base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT / `tracing.endpoint`. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** waitFor resolves with the spans once `done(spans)` holds, or rejects after `timeoutMs` listing what came. */
  async waitFor(done: (spans: CollectedSpan[]) => boolean, timeoutMs = 60_000): Promise<CollectedSpan[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.spans)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`spans not complete after ${timeoutMs} ms; received:\n${this.spans.map(describeSpan).join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.spans;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private add(spans: CollectedSpan[]): void {
    this.spans.push(...spans);
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/** describeSpan is one line per span for failure messages. */
export function describeSpan(s: CollectedSpan): string {
  return `${s.service} ${s.kind} "${s.name}" trace=${s.traceId} span=${s.spanId} parent=${s.parentSpanId || '-'}`;
}

interface JsonKeyValue {
  key: string;
  value?: Record<string, unknown>;
}

interface JsonRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: JsonKeyValue[] };
    scopeSpans?: Array<{ spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; kind?: number; attributes?: JsonKeyValue[] }> }>;
  }>;
}

function decodeJson(request: JsonRequest): CollectedSpan[] {
  const out: CollectedSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = jsonAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        out.push({
          traceId: idOf(span.traceId),
          spanId: idOf(span.spanId),
          parentSpanId: span.parentSpanId ? idOf(span.parentSpanId) : '',
          name: span.name,
          kind: KINDS[span.kind ?? 0] ?? 'unspecified',
          service: String(resource['service.name'] ?? ''),
          instance: String(resource['service.instance.id'] ?? ''),
          resource,
          attributes: jsonAttributes(span.attributes),
          encoding: 'json',
        });
      }
    }
  }
  return out;
}

/** idOf reads an id of the JSON encoding: hex as OTLP/JSON specifies, or base64 as some encoders write. */
function idOf(text: string): string {
  return /^[\da-f]+$/i.test(text) && (text.length === 32 || text.length === 16) ? text.toLowerCase() : Buffer.from(text, 'base64').toString('hex');
}

function jsonAttributes(list: JsonKeyValue[] | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const { key, value } of list ?? []) {
    if (value === undefined) continue;
    if ('stringValue' in value) out[key] = String(value.stringValue);
    else if ('intValue' in value) out[key] = Number(value.intValue);
    else if ('doubleValue' in value) out[key] = Number(value.doubleValue);
    else if ('boolValue' in value) out[key] = Boolean(value.boolValue);
    else out[key] = JSON.stringify(value);
  }
  return out;
}

// OTLP protobuf field numbers (opentelemetry/proto/trace/v1/trace.proto, common/v1/common.proto).
function decodeProtobuf(bytes: Uint8Array): CollectedSpan[] {
  const out: CollectedSpan[] = [];
  fields(bytes, (no, r) => {
    if (no !== 1) return false; // ExportTraceServiceRequest.resource_spans
    const scoped: Array<Omit<CollectedSpan, 'service' | 'instance' | 'resource'>> = [];
    let resource: Record<string, AttributeValue> = {};
    fields(r.bytes(), (rsNo, rs) => {
      if (rsNo === 1) {
        resource = {};
        fields(rs.bytes(), (resNo, res) => (resNo === 1 ? (keyValue(res.bytes(), resource), true) : false));
        return true;
      }
      if (rsNo !== 2) return false; // ResourceSpans.scope_spans
      fields(rs.bytes(), (ssNo, ss) => {
        if (ssNo !== 2) return false; // ScopeSpans.spans
        scoped.push(decodeSpan(ss.bytes()));
        return true;
      });
      return true;
    });
    for (const span of scoped) out.push({ ...span, service: String(resource['service.name'] ?? ''), instance: String(resource['service.instance.id'] ?? ''), resource });
    return true;
  });
  return out;
}

function decodeSpan(bytes: Uint8Array): Omit<CollectedSpan, 'service' | 'instance' | 'resource'> {
  const span: Omit<CollectedSpan, 'service' | 'instance' | 'resource'> = { traceId: '', spanId: '', parentSpanId: '', name: '', kind: 'unspecified', attributes: {}, encoding: 'protobuf' };
  fields(bytes, (no, r) => {
    if (no === 1) span.traceId = hex(r.bytes());
    else if (no === 2) span.spanId = hex(r.bytes());
    else if (no === 4) span.parentSpanId = hex(r.bytes());
    else if (no === 5) span.name = r.string();
    else if (no === 6) span.kind = KINDS[r.int32()] ?? 'unspecified';
    else if (no === 9) keyValue(r.bytes(), span.attributes);
    else return false;
    return true;
  });
  return span;
}

function keyValue(bytes: Uint8Array, into: Record<string, AttributeValue>): void {
  let key = '';
  let value: AttributeValue = '';
  fields(bytes, (no, r) => {
    if (no === 1) key = r.string();
    else if (no === 2) {
      fields(r.bytes(), (vNo, v) => {
        if (vNo === 1) value = v.string();
        else if (vNo === 2) value = v.bool();
        else if (vNo === 3) value = Number(v.int64());
        else if (vNo === 4) value = v.double();
        else return false;
        return true;
      });
    } else return false;
    return true;
  });
  into[key] = value;
}

/** fields walks a message's fields; `read` consumes a field it knows and returns true, or false to skip it. */
function fields(bytes: Uint8Array, read: (no: number, reader: BinaryReader) => boolean): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [no, type] = reader.tag();
    if (!read(no, reader)) reader.skip(type as WireType, no);
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
