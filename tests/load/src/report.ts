/**
 * report.ts turns a run's results into the Markdown tables of the README: one table per scenario, every
 * figure of a target beside its ratio to baseline measured in the same run, and the issue's goals.
 */
import type { LatencySummary } from './histogram.js';
import type { ScenarioName } from './options.js';
import type { SerialsResult, Spread } from './scenarios/serials.js';

/** Outcome is one target's result in one scenario: figures, or why there are none. */
export type Outcome = { result: Record<string, unknown> } | { skipped: string } | { error: string };

/** RunResults is everything one run measured (the JSON file). */
export interface RunResults {
  startedAt: string;
  durationS: number;
  machine: { nproc: number; cpu: string; node: string; kernel: string };
  options: Record<string, unknown>;
  notes: string[];
  scenarios: Partial<Record<ScenarioName, Record<string, Outcome>>>;
}

interface Column {
  header: string;
  get: (r: any) => number | undefined;
  digits?: number;
  /** lowerIsBetter is only documentation for the reader of the code; ratios are always target/baseline. */
  lowerIsBetter?: boolean;
}

const lat = (pick: (r: any) => LatencySummary | undefined, q: keyof LatencySummary, label: string): Column => ({
  header: `${label} ${q} ms`,
  get: (r) => pick(r)?.[q],
  digits: 2,
  lowerIsBetter: true,
});
const MB = (b: number | undefined): number | undefined => (b === undefined ? undefined : b / 1048576);

/** COLUMNS are the figures reported per scenario (serials and abuse have tables of their own: serialsTable, abuseTable). */
const COLUMNS: Record<Exclude<ScenarioName, 'serials' | 'abuse'>, { title: string; columns: Column[] }> = {
  fanout: {
    title: 'Fan-out: one public channel',
    columns: [
      { header: 'saturation deliveries/s', get: (r) => r.saturation?.deliveriesPerS, digits: 0 },
      { header: 'saturation publishes/s', get: (r) => r.saturation?.rate, digits: 0 },
      { header: 'fixed publishes/s', get: (r) => r.fixed.rate, digits: 0 },
      lat((r) => r.fixed.latency, 'p50', 'fixed'),
      lat((r) => r.fixed.latency, 'p95', 'fixed'),
      lat((r) => r.fixed.latency, 'p99', 'fixed'),
      lat((r) => r.fixed.latency, 'max', 'fixed'),
      { header: 'fixed loss', get: (r) => r.fixed.loss, digits: 0 },
      { header: 'server CPU ms / 1k deliveries (fixed)', get: (r) => r.fixed.serverCpuMsPer1000, digits: 3 },
      { header: 'server CPU ms / 1k deliveries (saturation)', get: (r) => r.saturation?.serverCpuMsPer1000, digits: 3 },
      { header: 'server RSS MB', get: (r) => MB(r.fixed.serverRssBytes), digits: 0 },
      { header: 'load-gen CPU ms (fixed phase)', get: (r) => r.fixed.loadgenCpuMs, digits: 0 },
    ],
  },
  many: {
    title: 'Many channels: each socket on its own channel + one shared channel, random publishes',
    columns: [
      { header: 'deliveries/s', get: (r) => r.deliveriesPerS, digits: 0 },
      { header: 'publishes/s', get: (r) => r.achievedRate, digits: 0 },
      lat((r) => r.latency, 'p50', ''),
      lat((r) => r.latency, 'p99', ''),
      lat((r) => r.latency, 'max', ''),
      { header: 'loss', get: (r) => r.loss, digits: 0 },
      { header: 'server CPU ms / 1k deliveries', get: (r) => r.serverCpuMsPer1000, digits: 3 },
      { header: 'server RSS MB', get: (r) => MB(r.serverRssBytes), digits: 0 },
      { header: 'open + subscribe s', get: (r) => r.subscribeMs / 1000, digits: 1 },
    ],
  },
  idle: {
    title: 'Idle capacity',
    columns: [
      { header: 'connections', get: (r) => r.connections, digits: 0 },
      { header: 'RSS KB / connection', get: (r) => r.rssPerConnBytes / 1024, digits: 1 },
      { header: 'heap+external KB / connection', get: (r) => r.heapPerConnBytes / 1024, digits: 1 },
      { header: 'server RSS MB', get: (r) => MB(r.rssBytes), digits: 0 },
      { header: 'connects/s', get: (r) => r.connectsPerS, digits: 0 },
      { header: 'server CPU ms / 1k connects', get: (r) => r.serverCpuMsPer1000, digits: 1 },
    ],
  },
  http: {
    title: 'HTTP API: signed triggers, keep-alive, closed loop, measured after a warm-up',
    columns: [
      { header: 'triggers/s', get: (r) => r.requestsPerS, digits: 0 },
      lat((r) => r.latency, 'p50', ''),
      lat((r) => r.latency, 'p99', ''),
      { header: 'failed', get: (r) => r.failed, digits: 0 },
      { header: 'server CPU ms / 1k triggers', get: (r) => r.serverCpuMsPer1000, digits: 3 },
      { header: 'of it user', get: (r) => r.serverUserMsPer1000, digits: 1 },
      { header: 'of it system', get: (r) => r.serverSystemMsPer1000, digits: 1 },
      { header: 'load-gen CPU ms', get: (r) => r.loadgenCpuMs, digits: 0 },
      { header: 'warm-up: server CPU ms / 1k triggers', get: (r) => r.warmupServerCpuMsPer1000, digits: 3 },
    ],
  },
  presence: {
    title: 'Presence churn: joins/leaves on one presence channel with steady members',
    columns: [
      { header: 'joins/s', get: (r) => r.joinsPerS, digits: 0 },
      lat((r) => r.joinLatency, 'p50', 'join'),
      lat((r) => r.joinLatency, 'p99', 'join'),
      { header: 'member events/s', get: (r) => r.memberEventsPerS, digits: 0 },
      { header: 'failed joins', get: (r) => r.failedJoins, digits: 0 },
      { header: 'server CPU ms / 1k joins', get: (r) => r.serverCpuMsPer1000, digits: 3 },
      { header: 'load-gen CPU ms', get: (r) => r.loadgenCpuMs, digits: 0 },
    ],
  },
  push: {
    title: 'Push: one publish to an interest of N devices (1/3 each APNs, FCM, Web Push; providers are local sinks)',
    columns: [
      { header: 'devices', get: (r) => r.devices, digits: 0 },
      { header: 'delivered devices/s', get: (r) => r.devicesPerS, digits: 0 },
      { header: 'publish to completed s', get: (r) => r.publishMs / 1000, digits: 2 },
      { header: 'APNs', get: (r) => r.byProvider.apns, digits: 0 },
      { header: 'FCM', get: (r) => r.byProvider.fcm, digits: 0 },
      { header: 'Web Push', get: (r) => r.byProvider.web, digits: 0 },
      { header: 'failed', get: (r) => r.failed, digits: 0 },
      { header: 'server CPU ms / 1k devices', get: (r) => r.serverCpuMsPer1000, digits: 1 },
      { header: 'registrations/s', get: (r) => r.registerPerS, digits: 0 },
      { header: 'server RSS MB', get: (r) => MB(r.serverRssBytes), digits: 0 },
    ],
  },
  history: {
    title: 'History: the history service storing the channel stream in PostgreSQL (writes), and 100-item page reads over gRPC',
    columns: [
      { header: 'capacity stored/s (draining a backlog)', get: (r) => r.capacity.storedPerS, digits: 0 },
      { header: 'fan-out rate: published/s', get: (r) => r.fanoutRate.publishedPerS, digits: 0 },
      { header: 'stored/s', get: (r) => r.fanoutRate.storedPerS, digits: 0 },
      { header: 'backlog start (messages)', get: (r) => r.fanoutRate.backlogStart, digits: 0 },
      { header: 'backlog end (messages)', get: (r) => r.fanoutRate.backlogEnd, digits: 0 },
      { header: 'max rate: published/s', get: (r) => r.maxRate.publishedPerS, digits: 0 },
      { header: 'stored/s', get: (r) => r.maxRate.storedPerS, digits: 0 },
      { header: 'backlog start (messages)', get: (r) => r.maxRate.backlogStart, digits: 0 },
      { header: 'backlog end (messages)', get: (r) => r.maxRate.backlogEnd, digits: 0 },
      { header: 'service CPU ms / 1k stored (capacity)', get: (r) => r.capacity.serviceCpuMsPer1000, digits: 1 },
      lat((r) => r.readNewest, 'p50', 'newest page'),
      lat((r) => r.readNewest, 'p99', 'newest page'),
      lat((r) => r.readRandom, 'p50', 'page at random serial'),
      lat((r) => r.readRandom, 'p99', 'page at random serial'),
    ],
  },
};

function fmt(v: number | undefined, digits = 1): string {
  if (v === undefined || Number.isNaN(v)) return '-';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** ratio is value / baseline value, or undefined when either is missing or the baseline is zero. */
export function ratio(value: number | undefined, base: number | undefined): number | undefined {
  if (value === undefined || base === undefined || base === 0) return undefined;
  return value / base;
}

/** figure reads one column of one target's outcome. */
function figure(o: Outcome | undefined, c: Column): number | undefined {
  if (o === undefined || !('result' in o)) return undefined;
  try {
    return c.get(o.result);
  } catch {
    return undefined;
  }
}

/** scenarioTable renders one scenario: a row per target, each figure with `(ratio x)` to baseline. */
export function scenarioTable(name: ScenarioName, outcomes: Record<string, Outcome>): string {
  if (name === 'abuse') return abuseTable(outcomes);
  if (name === 'serials') return serialsTable(outcomes);
  const { title, columns } = COLUMNS[name];
  const base = outcomes.baseline;
  const lines = [`### ${title}`, '', `| target | ${columns.map((c) => c.header).join(' | ')} |`, `|---|${columns.map(() => '---:').join('|')}|`];
  for (const [target, o] of Object.entries(outcomes)) {
    if (!('result' in o)) {
      lines.push(`| ${target} | ${'skipped' in o ? `skipped: ${o.skipped}` : `error: ${o.error}`} |${columns.slice(1).map(() => ' |').join('')}`);
      continue;
    }
    const cells = columns.map((c) => {
      const v = figure(o, c);
      const r = target === 'baseline' ? undefined : ratio(v, figure(base, c));
      return r === undefined ? fmt(v, c.digits) : `${fmt(v, c.digits)} (${r.toFixed(2)}x)`;
    });
    lines.push(`| ${target} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** AbuseFigures are the parts of an abuse phase the report reads (scenarios/abuse.ts has the full type). */
interface AbuseFigures {
  attack: string;
  achievedRate: number;
  loss: number;
  latency: LatencySummary;
  serverCpuMs: number;
  wallMs: number;
  bystanderCloses: number;
  loopDelay?: { p99: number; max: number };
  attacker?: { sent: number; opened: number; held: number; refusals: Record<string, number>; elapsedMs: number };
}

/** idleBefore is percentile `q` of the idle phase closest before phase `i` (the reference of its abuse ratio). */
function idleBefore(phases: AbuseFigures[], i: number, q: keyof LatencySummary): number | undefined {
  for (let k = i - 1; k >= 0; k--) if (phases[k]!.attack === 'idle') return phases[k]!.latency[q];
  return undefined;
}

/** Spread3 is a median with the lowest and highest value. */
interface Spread3 {
  median: number;
  min: number;
  max: number;
}

function spread(values: number[]): Spread3 | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((x, y) => x - y);
  return { median: sorted[Math.floor((sorted.length - 1) / 2)]!, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

function spreadText(s: Spread3 | undefined, digits: number, suffix = ''): string {
  if (s === undefined) return '-';
  return s.min === s.max ? `${fmt(s.median, digits)}${suffix}` : `${fmt(s.median, digits)}${suffix} (${fmt(s.min, digits)} .. ${fmt(s.max, digits)})`;
}

/** loopText is the server's event-loop delay over phases: median p99, then the highest max (ms). */
function loopText(phases: AbuseFigures[]): string {
  const p99 = spread(phases.flatMap((p) => (p.loopDelay === undefined ? [] : [p.loopDelay.p99])));
  const max = phases.reduce((a, p) => Math.max(a, p.loopDelay?.max ?? 0), 0);
  return p99 === undefined ? '-' : `${fmt(p99.median, 0)} / ${fmt(max, 0)}`;
}

/** attackRatios are each round's latency ratios of one attack to the idle phase just before it. */
function attackRatios(phases: AbuseFigures[], attack: string, q: 'p50' | 'p99'): number[] {
  return phases.flatMap((p, i) => {
    const r = p.attack === attack ? ratio(p.latency[q], idleBefore(phases, i, q)) : undefined;
    return r === undefined ? [] : [r];
  });
}

/**
 * abuseTable renders the abuse scenario: per target, a row per attack with its latency ratios to the idle phase
 * before it (median over the rounds, then lowest .. highest), the server's CPU while it ran, and how it was refused.
 */
export function abuseTable(outcomes: Record<string, Outcome>): string {
  const lines = ["### Abuse: a bystander's publish-to-delivery latency while one attacker runs (ratio to the idle phase just before; goal <= 2x)"];
  for (const [target, o] of Object.entries(outcomes)) {
    lines.push('', `**${target}**`, '');
    if (!('result' in o)) {
      lines.push('skipped' in o ? `skipped: ${o.skipped}` : `error: ${o.error}`);
      continue;
    }
    const phases = (o.result as { phases: AbuseFigures[] }).phases;
    const idle = phases.filter((p) => p.attack === 'idle');
    lines.push(
      '| phase | rounds | p50 ms | p50 / idle | p99 ms | p99 / idle | server CPU % | server loop delay p99 / max ms | bystander loss, closes | attacker sent / admitted (last round) | refusals (last round) |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
      `| idle | ${idle.length} | ${spreadText(spread(idle.map((p) => p.latency.p50)), 2)} | | ${spreadText(spread(idle.map((p) => p.latency.p99)), 2)} | | ${spreadText(spread(idle.map((p) => (p.serverCpuMs * 100) / p.wallMs)), 0)} | ${loopText(idle)} | ${idle.reduce((a, p) => a + p.loss, 0)}, ${idle.reduce((a, p) => a + p.bystanderCloses, 0)} | | |`,
    );
    const names = [...new Set(phases.map((p) => p.attack).filter((a) => a !== 'idle'))];
    for (const name of names) {
      const runs = phases.filter((p) => p.attack === name);
      const last = runs[runs.length - 1]!.attacker;
      const refusals = last === undefined ? '' : Object.entries(last.refusals).sort((x, y) => y[1] - x[1]).slice(0, 3).map(([k, v]) => `${k}: ${fmt(v, 0)}`).join(', ');
      lines.push(
        `| ${name} | ${runs.length} | ${spreadText(spread(runs.map((p) => p.latency.p50)), 2)} | ${spreadText(spread(attackRatios(phases, name, 'p50')), 2, 'x')} | ` +
          `${spreadText(spread(runs.map((p) => p.latency.p99)), 2)} | ${spreadText(spread(attackRatios(phases, name, 'p99')), 2, 'x')} | ` +
          `${spreadText(spread(runs.map((p) => (p.serverCpuMs * 100) / p.wallMs)), 0)} | ${loopText(runs)} | ${runs.reduce((a, p) => a + p.loss, 0)}, ${runs.reduce((a, p) => a + p.bystanderCloses, 0)} | ` +
          `${last === undefined ? '' : `${fmt(last.sent, 0)} / ${fmt(last.opened, 0)}`} | ${refusals} |`,
      );
    }
  }
  return lines.join('\n');
}

/** abuseGoals checks each attack's bystander p50 and p99 (median over the rounds) against twice the idle phase before it. */
function abuseGoals(results: RunResults): Goal[] {
  const out: Goal[] = [];
  for (const [target, o] of Object.entries(results.scenarios.abuse ?? {})) {
    if (!('result' in o)) continue;
    const phases = (o.result as { phases: AbuseFigures[] }).phases;
    for (const name of [...new Set(phases.map((p) => p.attack).filter((a) => a !== 'idle' && a !== 'after'))]) {
      for (const q of ['p50', 'p99'] as const) {
        const value = spread(attackRatios(phases, name, q))?.median;
        out.push({ text: `${target}: bystander ${q} under ${name} <= 2x idle (median of rounds)`, value, pass: value === undefined ? undefined : value <= 2 });
      }
    }
  }
  return out;
}

/** HISTORY_BATCH is the history service's write batch (history.batch_size default). */
const HISTORY_BATCH = 1000;

const SERIALS_TITLE = 'Serial path vs NATS core: publish-to-delivery through the bus (issue 11)';

/** serialResult is the serials scenario's figures, when it ran. */
function serialResult(outcomes: Record<string, Outcome> | undefined): SerialsResult | undefined {
  const o = outcomes === undefined ? undefined : Object.values(outcomes).find((x) => 'result' in x);
  return o !== undefined && 'result' in o ? (o.result as unknown as SerialsResult) : undefined;
}

function range(s: Spread, digits: number, sign = false): string {
  const f = (v: number): string => `${sign && v >= 0 ? '+' : ''}${fmt(v, digits)}`;
  return `${f(s.median)} (${f(s.min)} .. ${f(s.max)})`;
}

/** windowsText lists the throughput phases' windows: `256 and 4,096`. */
function windowsText(windows: readonly number[] | undefined): string {
  const list = (windows ?? []).map((w) => w.toLocaleString('en-US'));
  return list.length <= 1 ? (list[0] ?? '?') : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}

/**
 * serialsTable renders the serials scenario: a row per bus path with its medians over the rounds, and for the
 * serial path the paired comparison with NATS core in the same rounds (median, then lowest .. highest).
 */
export function serialsTable(outcomes: Record<string, Outcome>): string {
  const r = serialResult(outcomes);
  if (r === undefined) {
    const why = Object.values(outcomes).map((o) => ('skipped' in o ? `skipped: ${o.skipped}` : 'error' in o ? `error: ${o.error}` : '')).join('; ');
    return `### ${SERIALS_TITLE}\n\n${why || 'not run'}`;
  }
  const lines = [
    `### ${SERIALS_TITLE}`,
    '',
    `${r.rounds} rounds; in each, every path in turn (alternating which goes first): ${r.rate} publishes/s for ${r.latencyMs / 1000} s (latency), then ${r.throughputMessages.toLocaleString('en-US')} publishes ` +
      `with ${windowsText(r.windows)} in flight (throughput): a path's saturation in a round is its best window, and its CPU and batch figures are that window's. ` +
      "(A NATS core publish resolves once written, so a window never holds its publisher; a serial publish waits for the stream's acknowledgement.) " +
      'Publishes go to one channel, or round-robin over many. Figures are medians over the rounds; "vs NATS core" pairs each round with the same round of NATS core over as many channels: median (lowest .. highest).',
    '',
    `| path | p50 ms | p99 ms | delivered msgs/s at saturation | p50 vs NATS core, ms | msgs/s vs NATS core at saturation | ${r.windows.map((w) => `at ${w.toLocaleString('en-US')} in flight`).join(' | ')} | client CPU us / msg | NATS server CPU us / msg | events per stored message |`,
    `|---|---:|---:|---:|---:|---:|${r.windows.map(() => '---:|').join('')}---:|---:|---:|`,
  ];
  for (const p of r.paths) {
    const vs = p.vsCore;
    // per window: the ratio to NATS core for a serial path, the rate for NATS core itself
    const perWindow = r.windows.map((_, w) => (vs?.byWindow?.[w] !== undefined ? `${range(vs.byWindow[w]!, 2)}x` : p.byWindow?.[w] !== undefined ? `${fmt(p.byWindow[w]!, 0)}/s` : '-'));
    lines.push(
      `| ${p.path} | ${fmt(p.p50, 3)} | ${fmt(p.p99, 3)} | ${fmt(p.throughput, 0)} | ${vs === undefined ? '-' : range(vs.p50DeltaMs, 3, true)} | ` +
        `${vs === undefined ? '-' : range(vs.throughputRatio, 2)} | ${perWindow.join(' | ')} | ${fmt(p.clientCpuUs, 1)} | ${fmt(p.natsCpuUs, 1)} | ${p.eventsPerStored === undefined ? '-' : fmt(p.eventsPerStored, 2)} |`,
    );
  }
  lines.push(...storeLines(r.store));
  const c = r.cluster;
  if (c !== undefined && 'skipped' in c) lines.push('', `End to end through the cluster: skipped: ${c.skipped}`);
  else if (c !== undefined) {
    lines.push(
      '',
      `End to end through the cluster (signed HTTP trigger -> api -> bus -> 2 gateways -> 1 socket on each), both clusters started, ${c.rounds} rounds taking turns: ` +
        `latency at ${c.rate} triggers/s for ${c.phaseMs / 1000} s, then ${c.connections} keep-alive connections in a closed loop for ${c.phaseMs / 1000} s (saturation), to one channel, then round-robin over 100.`,
      '',
      '| cluster | p50 ms | p99 ms | delivered publishes/s at saturation | p50 vs today, ms | publishes/s vs today | publishes/s over 100 channels | vs today | loss | cluster CPU us / publish | NATS server CPU us / publish |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const p of c.paths) {
      const vs = p.vsToday;
      lines.push(
        `| ${p.path} | ${fmt(p.p50, 2)} | ${fmt(p.p99, 2)} | ${fmt(p.publishesPerS, 0)} | ${vs === undefined ? '-' : range(vs.p50DeltaMs, 2, true)} | ` +
          `${vs === undefined ? '-' : range(vs.throughputRatio, 2)} | ${fmt(p.spreadPublishesPerS, 0)} | ${vs === undefined ? '-' : range(vs.spreadThroughputRatio, 2)} | ` +
          `${fmt(p.loss, 0)} | ${fmt(p.serverCpuUs, 0)} | ${fmt(p.natsCpuUs, 1)} |`,
      );
    }
  }
  lines.push('', '| embedded publish path | us per publish | publishes/s |', '|---|---:|---:|');
  for (const e of r.embedded) lines.push(`| ${e.path} | ${fmt(e.usPerPublish, 2)} | ${fmt(e.publishesPerS, 0)} |`);
  return lines.join('\n');
}

/**
 * storeLines renders what one stored message costs nats-server by stream setting (serials-store.ts): median
 * (lowest .. highest) over the rounds.
 */
function storeLines(store: SerialsResult['store']): string[] {
  if (store === undefined) return [];
  if ('skipped' in store) return ['', `nats-server cost per stored message: skipped: ${store.skipped}`];
  const spread = (values: number[]): Spread => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return { median: sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2, min: sorted[0]!, max: sorted[sorted.length - 1]! };
  };
  const lines = [
    '',
    `What one stored message costs nats-server, by stream setting: raw acked publishes of a 450-byte message, ${store[0]?.rounds.length ?? 0} rounds taking turns, ` +
      'round-robin over the channels, every channel filled past its per-subject limit first (so each store also removes its oldest message): median (lowest .. highest).',
    '',
    '| stream setting | channels | per-subject limit | NATS server CPU us / stored message | stored messages/s |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const c of store) {
    lines.push(
      `| ${c.setting} | ${fmt(c.channels, 0)} | ${c.limit === 0 ? 'none' : fmt(c.limit, 0)} | ${range(spread(c.rounds.map((x) => x.natsUs)), 1)} | ${range(spread(c.rounds.map((x) => x.storedPerS)), 0)} |`,
    );
  }
  return lines;
}

/** Goal is one of the issue's targets for sockudo-ts, checked against this run. */
interface Goal {
  text: string;
  value?: number;
  /** unit follows the value: `x` (a ratio, the default), ` ms`, or '' (a count). */
  unit?: string;
  pass?: boolean;
}

/** goals evaluates the issue's goals (reported, never asserted). */
export function goals(results: RunResults): Goal[] {
  const get = (s: ScenarioName, t: string, c: (r: any) => number | undefined): number | undefined => figure(results.scenarios[s]?.[t], { header: '', get: c });
  const out: Goal[] = [];
  const check = (text: string, value: number | undefined, ok: (v: number) => boolean): void => {
    out.push({ text, value, pass: value === undefined ? undefined : ok(value) });
  };
  const sat = (t: string): number | undefined => get('fanout', t, (r) => r.saturation?.deliveriesPerS);
  check('fan-out deliveries/s at saturation >= 1.0x baseline', ratio(sat('sockudo-ts'), sat('baseline')), (v) => v >= 1);
  check('fan-out deliveries/s at saturation >= soketi (ratio to soketi)', ratio(sat('sockudo-ts'), sat('soketi')), (v) => v >= 1);
  const cpu = (t: string): number | undefined => get('fanout', t, (r) => r.fixed.serverCpuMsPer1000);
  check('server CPU per 1,000 deliveries <= 1.0x baseline (fixed rate)', ratio(cpu('sockudo-ts'), cpu('baseline')), (v) => v <= 1);
  const satCpu = (t: string): number | undefined => get('fanout', t, (r) => r.saturation?.serverCpuMsPer1000);
  check('server CPU per 1,000 deliveries <= 1.0x baseline (each at its saturating rate)', ratio(satCpu('sockudo-ts'), satCpu('baseline')), (v) => v <= 1);
  const p99 = (t: string): number | undefined => get('fanout', t, (r) => r.fixed.latency.p99);
  check("p99 at half of baseline's saturating rate <= 1.5x baseline", ratio(p99('sockudo-ts'), p99('baseline')), (v) => v <= 1.5);
  const mem = (t: string): number | undefined => get('idle', t, (r) => r.rssPerConnBytes);
  check('RSS per idle connection <= 1.5x baseline', ratio(mem('sockudo-ts'), mem('baseline')), (v) => v <= 1.5);
  const api = (t: string): number | undefined => get('http', t, (r) => r.serverCpuMsPer1000);
  check('HTTP API server CPU per signed trigger <= 1.5x baseline', ratio(api('sockudo-ts'), api('baseline')), (v) => v <= 1.5);
  // why: what express itself costs (the same handler as one express route), and what sockudo-ts adds to an express route.
  out.push({ text: 'HTTP API: express itself, baseline-express / baseline (reported)', value: ratio(api('baseline-express'), api('baseline')) });
  out.push({ text: 'HTTP API: sockudo-ts / baseline-express (reported)', value: ratio(api('sockudo-ts'), api('baseline-express')) });
  // why: sockudo-ts writes the API's answers per event-loop turn; this is the goal's ratio against a bare handler that does too.
  out.push({ text: 'HTTP API: sockudo-ts / baseline-per-turn (reported)', value: ratio(api('sockudo-ts'), api('baseline-per-turn')) });
  check('cluster deliveries/s >= 0.8x embedded', ratio(sat('sockudo-ts-cluster'), sat('sockudo-ts')), (v) => v >= 0.8);
  const hist = (c: (r: any) => number | undefined): number | undefined => get('history', 'sockudo-ts-history', c);
  check('history capacity stored/s >= 1.0x the fastest JetStream publish rate (ratio to it)', ratio(hist((r) => r.capacity.storedPerS), hist((r) => r.maxRate.publishedPerS)), (v) => v >= 1);
  // why: a consumer that keeps up still holds the batches it is writing; a backlog under one write batch is not behind.
  const growth = (w: 'fanoutRate' | 'maxRate'): number | undefined => hist((r) => (r[w] === undefined ? undefined : r[w].backlogEnd - r[w].backlogStart));
  const keptUp = (w: 'fanoutRate' | 'maxRate'): boolean | undefined => {
    const start = hist((r) => r[w]?.backlogStart);
    const end = hist((r) => r[w]?.backlogEnd);
    return start === undefined || end === undefined ? undefined : end <= Math.max(start, HISTORY_BATCH);
  };
  for (const [w, text] of [
    ['fanoutRate', "history backlog growth over the window at the fan-out scenario's publish rate (stream messages; met: end <= start, or under one 1,000-message batch)"],
    ['maxRate', 'history backlog growth over the window at the fastest JetStream publish rate (stream messages; met: end <= start, or under one 1,000-message batch)'],
  ] as const) {
    const g = growth(w);
    out.push({ text, value: g, pass: keptUp(w), unit: '' });
  }
  for (const path of serialResult(results.scenarios.serials)?.paths ?? []) {
    const serial = path.vsCore;
    if (path.kind !== 'serials' || serial === undefined) continue;
    const over = path.channels === 1 ? 'one channel' : `${path.channels} channels`;
    out.push({ text: `serial path p50 publish-to-delivery <= NATS core + 1 ms, ${over} (median of paired rounds)`, value: serial.p50DeltaMs.median, unit: ' ms', pass: serial.p50DeltaMs.median <= 1 });
    check(`serial path delivered msgs/s at saturation >= 0.8x NATS core, ${over} (median of paired rounds)`, serial.throughputRatio.median, (v) => v >= 0.8);
    const windows = serialResult(results.scenarios.serials)?.windows ?? [];
    serial.byWindow?.forEach((ratio, w) => out.push({ text: `serial path delivered msgs/s at ${windows[w]} in flight / NATS core's, ${over} (reported)`, value: ratio.median }));
  }
  const e2e = serialResult(results.scenarios.serials)?.cluster;
  const e2eSerial = e2e !== undefined && 'paths' in e2e ? e2e.paths[1]?.vsToday : undefined;
  if (e2eSerial !== undefined) {
    out.push({ text: 'cluster end to end: serial path p50 <= today + 1 ms (median of paired rounds)', value: e2eSerial.p50DeltaMs.median, unit: ' ms', pass: e2eSerial.p50DeltaMs.median <= 1 });
    check('cluster end to end: serial path publishes/s at saturation >= 0.8x today, one channel (median of paired rounds)', e2eSerial.throughputRatio.median, (v) => v >= 0.8);
    check('cluster end to end: serial path publishes/s at saturation >= 0.8x today, 100 channels (median of paired rounds)', e2eSerial.spreadThroughputRatio.median, (v) => v >= 0.8);
  }
  return [...out.filter((g) => g.value !== undefined || results.scenarios.abuse === undefined), ...abuseGoals(results)];
}

/** markdown renders the whole run: machine, tables, goals and notes. */
export function markdown(results: RunResults, svgName?: string): string {
  const m = results.machine;
  const parts = [
    `Measured ${results.startedAt} on ${m.nproc} cores (${m.cpu}), Node ${m.node}, Linux ${m.kernel}; ` +
      `run took ${Math.round(results.durationS)} s with \`${String(results.options.command)}\`. ` +
      'Ratios in parentheses are to `baseline` measured in the same run.',
  ];
  for (const [name, outcomes] of Object.entries(results.scenarios)) parts.push(scenarioTable(name as ScenarioName, outcomes));
  parts.push(
    ['### Goals (sockudo-ts / baseline unless stated)', '', '| goal | ratio | met |', '|---|---:|:---:|', ...goals(results).map((g) => `| ${g.text} | ${g.value === undefined ? '-' : g.unit === '' ? fmt(g.value, 0) : `${g.value.toFixed(2)}${g.unit ?? 'x'}`} | ${g.pass === undefined ? 'n/a' : g.pass ? 'yes' : 'no'} |`)].join('\n'),
  );
  if (svgName !== undefined) parts.push(`![latency percentiles per target](${svgName})`);
  if (results.notes.length > 0) parts.push(results.notes.map((n) => `- ${n}`).join('\n'));
  return parts.join('\n\n') + '\n';
}
