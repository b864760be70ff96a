/**
 * svg.ts draws the latency chart of a run: one panel per scenario with latencies, a group of bars per
 * target (p50, p95, p99), on a log scale so that sub-millisecond and second-long latencies both read.
 */
import type { LatencySummary } from './histogram.js';

/** Panel is one scenario's latencies per target. */
export interface Panel {
  title: string;
  series: Array<{ target: string; latency: LatencySummary }>;
}

const W = 300;
const H = 260;
const TOP = 40;
const BOTTOM = 60;
const LEFT = 50;
const QUANTILES: Array<{ key: 'p50' | 'p95' | 'p99'; color: string }> = [
  { key: 'p50', color: '#4c78a8' },
  { key: 'p95', color: '#f58518' },
  { key: 'p99', color: '#e45756' },
];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** latencySvg renders the panels side by side as a standalone SVG document. */
export function latencySvg(panels: Panel[], caption: string): string {
  const width = Math.max(1, panels.length) * W + 20;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H + 40}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="16" font-size="13" font-weight="bold">${esc(caption)}</text>`,
  ];
  QUANTILES.forEach((q, i) => {
    out.push(`<rect x="${width - 190 + i * 60}" y="7" width="10" height="10" fill="${q.color}"/><text x="${width - 176 + i * 60}" y="16">${q.key}</text>`);
  });
  panels.forEach((panel, i) => out.push(drawPanel(panel, 10 + i * W, 20)));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function drawPanel(panel: Panel, x0: number, y0: number): string {
  const values = panel.series.flatMap((s) => QUANTILES.map((q) => Math.max(s.latency[q.key], 0.01)));
  const lo = Math.floor(Math.log10(Math.min(...values, 1)));
  const hi = Math.ceil(Math.log10(Math.max(...values, 1.01)));
  const plotW = W - LEFT - 10;
  const plotH = H - TOP - BOTTOM;
  const y = (v: number): number => y0 + TOP + plotH - ((Math.log10(Math.max(v, 0.01)) - lo) / (hi - lo)) * plotH;
  const out = [`<text x="${x0 + LEFT}" y="${y0 + 20}" font-weight="bold">${esc(panel.title)}</text>`];
  for (let e = lo; e <= hi; e++) {
    const ty = y(10 ** e);
    out.push(`<line x1="${x0 + LEFT}" x2="${x0 + LEFT + plotW}" y1="${ty}" y2="${ty}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 + LEFT - 4}" y="${ty + 4}" text-anchor="end">${10 ** e >= 1 ? 10 ** e : (10 ** e).toFixed(-e)} ms</text>`);
  }
  const groupW = plotW / Math.max(1, panel.series.length);
  const barW = Math.min(18, (groupW - 10) / QUANTILES.length);
  panel.series.forEach((s, g) => {
    const gx = x0 + LEFT + g * groupW + (groupW - barW * QUANTILES.length) / 2;
    QUANTILES.forEach((q, k) => {
      const v = s.latency[q.key];
      const top = y(v);
      out.push(`<rect x="${gx + k * barW}" y="${top}" width="${barW - 1}" height="${y0 + TOP + plotH - top}" fill="${q.color}"><title>${esc(s.target)} ${q.key} ${v} ms</title></rect>`);
    });
    out.push(`<text x="${x0 + LEFT + g * groupW + groupW / 2}" y="${y0 + TOP + plotH + 14}" text-anchor="middle">${esc(s.target)}</text>`);
    out.push(`<text x="${x0 + LEFT + g * groupW + groupW / 2}" y="${y0 + TOP + plotH + 28}" text-anchor="middle" fill="#555">p99 ${s.latency.p99} ms</text>`);
  });
  return out.join('\n');
}
