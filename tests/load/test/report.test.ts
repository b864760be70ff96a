import { describe, expect, it } from 'vitest';
import { goals, markdown, ratio, scenarioTable, type RunResults } from '../src/report.js';

const latency = { p50: 1, p95: 2, p99: 4, max: 8, samples: 10 };

/** run is a run's results with these scenarios' outcomes. */
function run(scenarios: RunResults['scenarios']): RunResults {
  return { startedAt: '2026-01-01T00:00:00.000Z', durationS: 1, machine: { nproc: 2, cpu: 'test', node: 'v20', kernel: '6' }, options: { command: 'npm run bench' }, notes: [], scenarios };
}

describe('report', () => {
  it('gives ratios to baseline and leaves them out when a side is missing or zero', () => {
    expect(ratio(30, 10)).toBe(3);
    expect(ratio(undefined, 10)).toBeUndefined();
    expect(ratio(5, 0)).toBeUndefined();
  });

  it('renders each target with its ratio and skipped targets with their reason', () => {
    const table = scenarioTable('http', {
      baseline: { result: { requestsPerS: 1000, failed: 0, latency, serverCpuMsPer1000: 20, loadgenCpuMs: 1, warmupServerCpuMsPer1000: 22 } },
      'sockudo-ts': { result: { requestsPerS: 500, failed: 0, latency, serverCpuMsPer1000: 40, loadgenCpuMs: 1, warmupServerCpuMsPer1000: 55 } },
      soketi: { skipped: 'npm install failed' },
    });
    expect(table).toContain('| sockudo-ts | 500 (0.50x) |');
    expect(table).toContain('40.000 (2.00x)');
    // The warm-up phase is reported apart from the measured one.
    expect(table).toContain('warm-up: server CPU ms / 1k triggers |');
    expect(table).toContain('55.000 (2.50x) |');
    expect(table).toContain('| soketi | skipped: npm install failed |');
  });

  it('checks the goals it can and marks the others n/a', () => {
    const results = run({
      idle: {
        baseline: { result: { rssPerConnBytes: 1000 } },
        'sockudo-ts': { result: { rssPerConnBytes: 1400 } },
      },
    });
    const memory = goals(results).find((g) => g.text.startsWith('RSS per idle connection'));
    expect(memory).toMatchObject({ pass: true });
    expect(memory?.value).toBeCloseTo(1.4);
    expect(goals(results).find((g) => g.text.startsWith('cluster'))?.pass).toBeUndefined();
    expect(markdown(results)).toContain('| RSS per idle connection <= 1.5x baseline | 1.40x | yes |');
  });

  it('checks the HTTP API goal: server CPU per signed trigger at most 1.5x baseline', () => {
    const http = (cpu: number): RunResults =>
      run({
        http: {
          baseline: { result: { requestsPerS: 1000, failed: 0, latency, serverCpuMsPer1000: 20, loadgenCpuMs: 1 } },
          'sockudo-ts': { result: { requestsPerS: 800, failed: 0, latency, serverCpuMsPer1000: cpu, loadgenCpuMs: 1 } },
        },
      });
    const goal = (cpu: number) => goals(http(cpu)).find((g) => g.text.startsWith('HTTP API server CPU'));
    expect(goal(29)).toMatchObject({ pass: true });
    expect(goal(29)?.value).toBeCloseTo(1.45);
    expect(goal(31)).toMatchObject({ pass: false });
  });

  it("reports what express itself costs, and the ratio to a bare handler that writes per turn, beside the HTTP API goal, checking nothing", () => {
    const results = run({
      http: {
        baseline: { result: { requestsPerS: 1000, failed: 0, latency, serverCpuMsPer1000: 20, loadgenCpuMs: 1 } },
        'baseline-express': { result: { requestsPerS: 900, failed: 0, latency, serverCpuMsPer1000: 24, loadgenCpuMs: 1 } },
        'baseline-per-turn': { result: { requestsPerS: 1100, failed: 0, latency, serverCpuMsPer1000: 16, loadgenCpuMs: 1 } },
        'sockudo-ts': { result: { requestsPerS: 800, failed: 0, latency, serverCpuMsPer1000: 30, loadgenCpuMs: 1 } },
      },
    });
    const express = goals(results).find((g) => g.text.startsWith('HTTP API: express itself'));
    expect(express?.value).toBeCloseTo(1.2);
    expect(express?.pass).toBeUndefined();
    expect(goals(results).find((g) => g.text.startsWith('HTTP API: sockudo-ts / baseline-express'))?.value).toBeCloseTo(1.25);
    expect(markdown(results)).toContain('| HTTP API: express itself, baseline-express / baseline (reported) | 1.20x | n/a |');
    expect(markdown(results)).toContain('| HTTP API: sockudo-ts / baseline-per-turn (reported) | 1.88x | n/a |');
  });

  it('renders the serial path next to NATS core with the spread of the paired rounds, and checks both serial goals', () => {
    const spread = (median: number, min: number, max: number) => ({ median, min, max });
    const path = (name: string, p50: number, throughput: number, vsCore?: object) => ({ path: name, kind: vsCore ? 'serials' : 'core', channels: 1, p50, p99: 2, throughput, clientCpuUs: 10, natsCpuUs: 5, rounds: [], ...(vsCore ? { vsCore } : {}) });
    const serials = (ratioMedian: number): RunResults =>
      run({
        serials: {
          'nats-bus': {
            result: {
              rounds: 8,
              rate: 1000,
              latencyMs: 1000,
              throughputMessages: 10000,
              windows: [256, 4096],
              paths: [
                { ...path('NATS core (today)', 0.2, 50000), byWindow: [49000, 50000] },
                {
                  ...path('JetStream + RePublish (serials)', 0.5, 40000, { p50DeltaMs: spread(0.3, -0.1, 0.9), throughputRatio: spread(ratioMedian, 0.5, 0.95), byWindow: [spread(0.55, 0.4, 0.7), spread(ratioMedian, 0.5, 0.95)] }),
                  byWindow: [27000, 40000],
                },
              ],
              cluster: {
                rounds: 6,
                rate: 200,
                phaseMs: 2000,
                connections: 16,
                paths: [
                  { path: 'sockudo-ts-cluster', p50: 3, p99: 9, publishesPerS: 2000, spreadPublishesPerS: 1500, serverCpuUs: 400, natsCpuUs: 3, loss: 0, rounds: [] },
                  { path: 'sockudo-ts-cluster-serials', p50: 3.5, p99: 10, publishesPerS: 1800, spreadPublishesPerS: 900, serverCpuUs: 420, natsCpuUs: 20, loss: 0, rounds: [], vsToday: { p50DeltaMs: spread(0.5, 0.1, 1.2), throughputRatio: spread(0.9, 0.7, 1.1), spreadThroughputRatio: spread(0.6, 0.5, 0.7) } },
                ],
              },
              embedded: [{ path: 'embedded, no serials', usPerPublish: 1, publishesPerS: 1e6 }],
            },
          },
        },
      });
    const text = markdown(serials(0.81));
    expect(text).toContain('with 256 and 4,096 in flight (throughput)');
    expect(text).toContain('| path | p50 ms | p99 ms | delivered msgs/s at saturation | p50 vs NATS core, ms | msgs/s vs NATS core at saturation | at 256 in flight | at 4,096 in flight |');
    expect(text).toContain('| NATS core (today) | 0.200 | 2.000 | 50,000 | - | - | 49,000/s | 50,000/s | 10.0 | 5.0 |');
    expect(text).toContain('| JetStream + RePublish (serials) | 0.500 | 2.000 | 40,000 | +0.300 (-0.100 .. +0.900) | 0.81 (0.50 .. 0.95) | 0.55 (0.40 .. 0.70)x | 0.81 (0.50 .. 0.95)x | 10.0 | 5.0 |');
    expect(text).toContain("| serial path delivered msgs/s at 256 in flight / NATS core's, one channel (reported) | 0.55x |");
    expect(text).toContain('| serial path p50 publish-to-delivery <= NATS core + 1 ms, one channel (median of paired rounds) | 0.30 ms | yes |');
    expect(text).toContain('| serial path delivered msgs/s at saturation >= 0.8x NATS core, one channel (median of paired rounds) | 0.81x | yes |');
    expect(goals(serials(0.79)).find((g) => g.text.startsWith('serial path delivered'))).toMatchObject({ pass: false });
    expect(text).toContain('| sockudo-ts-cluster-serials | 3.50 | 10.00 | 1,800 | +0.50 (+0.10 .. +1.20) | 0.90 (0.70 .. 1.10) | 900 | 0.60 (0.50 .. 0.70) | 0 | 420 | 20.0 |');
    expect(text).toContain('| cluster end to end: serial path publishes/s at saturation >= 0.8x today, one channel (median of paired rounds) | 0.90x | yes |');
    expect(text).toContain('| cluster end to end: serial path publishes/s at saturation >= 0.8x today, 100 channels (median of paired rounds) | 0.60x | no |');
    expect(scenarioTable('serials', { 'nats-bus': { skipped: 'NATS is not running' } })).toContain('skipped: NATS is not running');
  });
});
