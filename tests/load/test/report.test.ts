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
      baseline: { result: { requestsPerS: 1000, failed: 0, latency, serverCpuMsPer1000: 20, loadgenCpuMs: 1 } },
      'sockudo-ts': { result: { requestsPerS: 500, failed: 0, latency, serverCpuMsPer1000: 40, loadgenCpuMs: 1 } },
      soketi: { skipped: 'npm install failed' },
    });
    expect(table).toContain('| sockudo-ts | 500 (0.50x) |');
    expect(table).toContain('40.000 (2.00x)');
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

  it("reports what express itself costs beside the HTTP API goal, checking nothing", () => {
    const results = run({
      http: {
        baseline: { result: { requestsPerS: 1000, failed: 0, latency, serverCpuMsPer1000: 20, loadgenCpuMs: 1 } },
        'baseline-express': { result: { requestsPerS: 900, failed: 0, latency, serverCpuMsPer1000: 24, loadgenCpuMs: 1 } },
        'sockudo-ts': { result: { requestsPerS: 800, failed: 0, latency, serverCpuMsPer1000: 30, loadgenCpuMs: 1 } },
      },
    });
    const express = goals(results).find((g) => g.text.startsWith('HTTP API: express itself'));
    expect(express?.value).toBeCloseTo(1.2);
    expect(express?.pass).toBeUndefined();
    expect(goals(results).find((g) => g.text.startsWith('HTTP API: sockudo-ts / baseline-express'))?.value).toBeCloseTo(1.25);
    expect(markdown(results)).toContain('| HTTP API: express itself, baseline-express / baseline (reported) | 1.20x | n/a |');
  });
});
