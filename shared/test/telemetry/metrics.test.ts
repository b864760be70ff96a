import { describe, expect, it } from 'vitest';
import { Histogram } from 'prom-client';
import { LocalHistogram, Metrics } from '@sockudo-ts/shared';

/** sample reads one app's value of a metric from the registry's text exposition. */
async function sample(metrics: Metrics, name: string, appId: string): Promise<number | undefined> {
  const text = await metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{app_id="${appId}"}`));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('Metrics: per-app counters', () => {
  it('shows what was counted at each read, once, and no series for an app that counted nothing', async () => {
    const metrics = new Metrics('t_', false);
    const a = metrics.app('a');
    metrics.app('b');
    a.httpCalls.inc();
    a.httpCalls.inc();
    a.httpBytesSent.inc(120);
    expect(await sample(metrics, 't_http_calls_received_total', 'a')).toBe(2);
    expect(await sample(metrics, 't_http_transmitted_bytes', 'a')).toBe(120);
    expect(await sample(metrics, 't_http_calls_received_total', 'a')).toBe(2);
    a.httpCalls.inc(3);
    expect(await sample(metrics, 't_http_calls_received_total', 'a')).toBe(5);
    expect(await sample(metrics, 't_http_calls_received_total', 'b')).toBeUndefined();
  });
});

describe('LocalHistogram', () => {
  it('writes the exposition prom-client writes for the same observations', async () => {
    const config = { name: 't_latency_seconds', help: 'Latency', labelNames: ['route', 'status'] as const, buckets: [0.001, 0.01, 0.1, 1] };
    const local = new Metrics('l_', false).registry;
    const plain = new Metrics('p_', false).registry;
    const mine = new LocalHistogram({ ...config, labelNames: [...config.labelNames], registers: [local] });
    const theirs = new Histogram({ ...config, labelNames: [...config.labelNames], registers: [plain] });
    const observations: Array<[string, string, number]> = [
      ['events', '200', 0.0004],
      ['events', '200', 0.001],
      ['events', '200', 0.0101],
      ['events', '401', 2.5],
      ['channels', '200', 0.1],
      ['events', '200', 0.5],
    ];
    for (const [route, status, seconds] of observations) {
      mine.series({ route, status }).observe(seconds);
      theirs.labels({ route, status }).observe(seconds);
    }
    const text = (r: typeof local): Promise<string> => r.getSingleMetricAsString('t_latency_seconds');
    expect(await text(local)).toBe(await text(plain));
    expect(await text(local)).toContain('t_latency_seconds_bucket{le="0.001",route="events",status="200"} 2');
    expect(await mine.get()).toEqual(await theirs.get());
    mine.reset();
    theirs.reset();
    expect(await text(local)).toBe(await text(plain));
  });
});
