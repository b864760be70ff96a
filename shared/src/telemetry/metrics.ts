import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Aggregator, type HistogramConfiguration, type LabelValues, type MetricObjectWithValues, type MetricType, type MetricValueWithName } from 'prom-client';

/** AppMetrics are the per-app children of the socket and HTTP metrics, resolved once per app. */
export interface AppMetrics {
  connected: Gauge.Internal<'app_id'>;
  newConnections: Counter.Internal;
  disconnections: Counter.Internal;
  messagesReceived: Counter.Internal;
  messagesSent: Counter.Internal;
  bytesReceived: Counter.Internal;
  bytesSent: Counter.Internal;
  httpCalls: Counter.Internal;
  httpBytesReceived: Counter.Internal;
  httpBytesSent: Counter.Internal;
}

/**
 * Metrics owns one Prometheus registry (one per server instance, so that several servers can live in one
 * process) with Sockudo's metric names under a configurable prefix. `defaults` adds prom-client's process
 * metrics (CPU, memory, GC, event-loop lag); their event-loop monitor wakes the loop every 10 ms.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly perApp = new Map<string, AppMetrics>();
  private readonly connected: Gauge<'app_id'>;
  private readonly newConnections: Counter<'app_id'>;
  private readonly disconnections: Counter<'app_id'>;
  private readonly messagesReceived: Counter<'app_id'>;
  private readonly messagesSent: Counter<'app_id'>;
  private readonly bytesReceived: Counter<'app_id'>;
  private readonly bytesSent: Counter<'app_id'>;
  private readonly httpCalls: Counter<'app_id'>;
  private readonly httpBytesReceived: Counter<'app_id'>;
  private readonly httpBytesSent: Counter<'app_id'>;
  /** refusals counts WebSocket handshakes refused, by Pusher code. */
  readonly refusals: Counter<'code'>;
  /** slowConsumers counts sockets closed with 4100 for exceeding their send buffer. */
  readonly slowConsumers: Counter;
  /**
   * limited counts requests, sockets and frames refused or cut by an abuse limit, by the limit's name
   * (`frame_rate`, `subscriptions`, `api_rate`, `ws_connect_rate`, `ws_concurrent`, `backend_events`, ...).
   */
  readonly limited: Counter<'limit'>;
  /** webhooksDropped counts webhook events never queued, by app and reason (`depth_cap`, `queue_full`, `queue_unavailable`, `backlog`). */
  readonly webhooksDropped: Counter<'app_id' | 'reason'>;
  /** httpDuration is the HTTP API latency by route and status (observe through `series`). */
  readonly httpDuration: LocalHistogram<'route' | 'status'>;
  /** recoveredMessages counts events replayed to resuming or rewinding sockets. */
  readonly recoveredMessages: Counter;
  /** gapsFilled counts serial gaps a gateway filled from the stream before delivering later events. */
  readonly gapsFilled: Counter;
  /** resumes counts channel resumes by outcome (`recovered` or a failure code such as `position_expired`). */
  readonly resumes: Counter<'outcome'>;

  constructor(readonly prefix = 'sockudo_', defaults = true) {
    const r = [this.registry];
    const p = prefix;
    const labelNames = ['app_id'] as const;
    // why: a per-app counter's children count on plain numbers (LocalCount) and hand their sums over when
    // the registry is read.
    const perApp = (name: string, help: string, field: CountField): Counter<'app_id'> =>
      new Counter({ name, help, labelNames, registers: r, collect: () => this.flush(field) });
    this.connected = new Gauge({ name: `${p}connected`, help: 'Open WebSocket connections', labelNames, registers: r });
    this.newConnections = perApp(`${p}new_connections_total`, 'WebSocket connections opened', 'newConnections');
    this.disconnections = perApp(`${p}new_disconnections_total`, 'WebSocket connections closed', 'disconnections');
    this.messagesReceived = perApp(`${p}ws_messages_received_total`, 'WebSocket frames received', 'messagesReceived');
    this.messagesSent = perApp(`${p}ws_messages_sent_total`, 'WebSocket frames sent', 'messagesSent');
    this.bytesReceived = perApp(`${p}socket_received_bytes`, 'WebSocket payload bytes received', 'bytesReceived');
    this.bytesSent = perApp(`${p}socket_transmitted_bytes`, 'WebSocket payload bytes sent', 'bytesSent');
    this.httpCalls = perApp(`${p}http_calls_received_total`, 'HTTP API calls', 'httpCalls');
    this.httpBytesReceived = perApp(`${p}http_received_bytes`, 'HTTP API request bytes', 'httpBytesReceived');
    this.httpBytesSent = perApp(`${p}http_transmitted_bytes`, 'HTTP API response bytes', 'httpBytesSent');
    this.refusals = new Counter({ name: `${p}connection_refusals_total`, help: 'WebSocket handshakes refused, by Pusher code', labelNames: ['code'], registers: r });
    this.slowConsumers = new Counter({ name: `${p}slow_consumer_closes_total`, help: 'Sockets closed with 4100 for a full send buffer', registers: r });
    this.recoveredMessages = new Counter({ name: `${p}recovered_messages_total`, help: 'Events replayed by resume and rewind', registers: r });
    this.gapsFilled = new Counter({ name: `${p}recovery_gaps_filled_total`, help: 'Serial gaps filled from the stream before later events', registers: r });
    this.resumes = new Counter({ name: `${p}resumes_total`, help: 'Channel resumes by outcome', labelNames: ['outcome'], registers: r });
    this.limited = new Counter({ name: `${p}limited_total`, help: 'Requests, sockets and frames refused by an abuse limit, by limit', labelNames: ['limit'], registers: r });
    this.webhooksDropped = new Counter({ name: `${p}webhooks_dropped_total`, help: 'Webhook events not queued (dead-lettered or dropped), by app and reason', labelNames: ['app_id', 'reason'], registers: r });
    this.httpDuration = new LocalHistogram({
      name: `${p}http_request_duration_seconds`,
      help: 'HTTP API latency',
      labelNames: ['route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: r,
    });
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: p });
  }

  /** app returns the cached per-app metric children. */
  app(appId: string): AppMetrics {
    let m = this.perApp.get(appId);
    if (m === undefined) {
      m = {
        connected: this.connected.labels(appId),
        newConnections: new LocalCount(this.newConnections, appId),
        disconnections: new LocalCount(this.disconnections, appId),
        messagesReceived: new LocalCount(this.messagesReceived, appId),
        messagesSent: new LocalCount(this.messagesSent, appId),
        bytesReceived: new LocalCount(this.bytesReceived, appId),
        bytesSent: new LocalCount(this.bytesSent, appId),
        httpCalls: new LocalCount(this.httpCalls, appId),
        httpBytesReceived: new LocalCount(this.httpBytesReceived, appId),
        httpBytesSent: new LocalCount(this.httpBytesSent, appId),
      };
      this.perApp.set(appId, m);
    }
    return m;
  }

  /** flush hands every app's pending count of one counter to Prometheus. */
  private flush(field: CountField): void {
    for (const m of this.perApp.values()) (m[field] as LocalCount).flush();
  }
}

/** CountField names the per-app counters of AppMetrics. */
type CountField = Exclude<keyof AppMetrics, 'connected'>;

/**
 * LocalCount is a per-app counter child that adds to a plain number and hands the sum to its Prometheus
 * counter when the registry is read (a scrape). why: prom-client checks and hashes the label set on every
 * increment of a child; the hot paths (every frame sent, every HTTP API call) pay one addition instead.
 */
class LocalCount implements Counter.Internal {
  private pending = 0;

  constructor(
    private readonly counter: Counter<'app_id'>,
    private readonly appId: string,
  ) {}

  inc(value = 1): void {
    this.pending += value;
  }

  /** flush adds what was counted since the last flush to the Prometheus counter. */
  flush(): void {
    if (this.pending === 0) return;
    this.counter.inc({ app_id: this.appId }, this.pending);
    this.pending = 0;
  }
}

/** HistogramSeries is one label set of a LocalHistogram: it observes a value (seconds) on plain numbers. */
export interface HistogramSeries {
  observe(value: number): void;
}

/** SeriesCounts are one label set's counts: per bucket (not cumulative; the last one is +Inf), sum and count. */
class SeriesCounts implements HistogramSeries {
  sum = 0;
  count = 0;
  readonly buckets: Float64Array;

  constructor(
    readonly labels: LabelValues<string>,
    private readonly bounds: readonly number[],
  ) {
    this.buckets = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.buckets[i]!++;
    this.sum += value;
    this.count++;
  }
}

/**
 * LocalHistogram is a Prometheus histogram whose label sets are resolved once (`series`) and observe into
 * plain numbers, read when the registry is: the exposition is the one prom-client writes for its own
 * histogram. why: prom-client validates and hashes the label set on every observe of a child; the HTTP API
 * observes once per request. Observe through `series` only (the inherited `observe` is not exported).
 */
export class LocalHistogram<T extends string> extends Histogram<T> {
  private readonly all = new Map<string, SeriesCounts>();
  private readonly bounds: readonly number[];
  private readonly config: HistogramConfiguration<T>;

  constructor(config: HistogramConfiguration<T> & { buckets: number[] }) {
    super(config);
    this.config = config;
    this.bounds = [...config.buckets].sort((a, b) => a - b);
  }

  /** series returns the observer of one label set (every label named), made once per label set. */
  series(labels: Record<T, string>): HistogramSeries {
    const key = JSON.stringify(labels);
    let series = this.all.get(key);
    if (series === undefined) this.all.set(key, (series = new SeriesCounts({ ...labels }, this.bounds)));
    return series;
  }

  override reset(): void {
    super.reset();
    // why: prom-client's constructor calls reset() before this class's fields exist.
    (this.all as Map<string, SeriesCounts> | undefined)?.clear();
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<T>>> {
    const data = this.exposition();
    // why: the shape prom-client's own get() returns: every value's labels with the series' labels in them.
    for (const v of data.values) Object.assign(v.labels, v.sharedLabels), delete v.sharedLabels;
    return data as unknown as MetricObjectWithValues<MetricValueWithName<T>>;
  }

  /** getForPromString is what prom-client's registry reads to write the text exposition. */
  async getForPromString(): Promise<Exposition> {
    return this.exposition();
  }

  /** exposition lists each series' cumulative buckets, +Inf, sum and count, as prom-client lists its own. */
  private exposition(): Exposition {
    const values: ExposedValue[] = [];
    const { name, help, aggregator = 'sum' } = this.config;
    const bucket = `${name}_bucket`;
    for (const s of this.all.values()) {
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += s.buckets[i]!;
        values.push({ labels: { le }, sharedLabels: s.labels, value: acc, metricName: bucket, exemplar: null });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket, exemplar: null });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${name}_sum`, exemplar: undefined });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${name}_count`, exemplar: undefined });
    }
    // why: prom-client's types declare an enum, but its metrics carry (and its registry writes) the string.
    return { name, help, type: 'histogram' as unknown as MetricType, values, aggregator };
  }
}

/** ExposedValue is one line of a histogram's exposition: its own labels and the series' labels apart. */
type ExposedValue = MetricValueWithName<string> & { sharedLabels?: LabelValues<string>; exemplar: null | undefined };

/** Exposition is a histogram as prom-client's registry reads it. */
interface Exposition {
  name: string;
  help: string;
  type: MetricType;
  values: ExposedValue[];
  aggregator: Aggregator;
}
