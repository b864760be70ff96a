import { describe, expect, it } from 'vitest';
import { Metrics } from '@sockudo-ts/shared';

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
