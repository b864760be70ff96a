/**
 * main.ts is `npm run bench`: it raises the open-files limit, prepares the targets, runs every scenario
 * against every target one after the other (baseline first; the serials scenario once, on the bus), and
 * writes bench-results/<timestamp>.json, .md and .svg (plus latest.md / latest.svg / latest.json).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, release } from 'node:os';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Harness } from './harness.js';
import type { LatencySummary } from './histogram.js';
import { parseOptions, type Options, type ScenarioName } from './options.js';
import { markdown, type Outcome, type RunResults } from './report.js';
import { abuse } from './scenarios/abuse.js';
import { fanout, type FanoutShared } from './scenarios/fanout.js';
import { history, fanoutPublishRate } from './scenarios/history.js';
import { http } from './scenarios/http.js';
import { idle } from './scenarios/idle.js';
import { many } from './scenarios/many.js';
import { presence } from './scenarios/presence.js';
import { push } from './scenarios/push.js';
import { serials } from './scenarios/serials.js';
import { latencySvg, type Panel } from './svg.js';
import { closePushSinks, pushSinks, refAbuseTargets, refTarget, ROOT, TARGETS, type HistoryTarget, type RunningTarget, type Target } from './targets.js';

const WANTED_FILES = 65536;

// why: 10,000 idle sockets need more descriptors than the usual 1024; a child of bash can raise its own
// limit, so the bench re-executes itself once under `ulimit -n` (falling back to the hard limit).
if (process.env.BENCH_REEXEC !== '1') {
  const script = `ulimit -n ${WANTED_FILES} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`;
  const r = spawnSync('bash', ['-c', script, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_REEXEC: '1' },
  });
  process.exit(r.status ?? 1);
}

function log(line: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

type Runner = (h: Harness, t: RunningTarget, o: Options, target: Target) => Promise<unknown>;

const fanoutShared: FanoutShared = {};
/** results is the run in progress (the history scenario reads the fan-out scenario's publish rates from it). */
let results: RunResults | undefined;
const RUNNERS: Record<ScenarioName, Runner> = {
  fanout: (h, t, o, target) => fanout(h, t, o, fanoutShared, target.name === 'baseline'),
  many: (h, t, o) => many(h, t, o),
  idle: (h, t, o) => idle(h, t, o),
  http: (h, t, o) => http(h, t, o),
  presence: (h, t, o) => presence(h, t, o),
  push: async (h, t, o) => push(h, t, o, await pushSinks()),
  serials: (h, _t, o) => serials(h, o, o.ref === undefined ? undefined : resolve(o.ref)),
  history: (_h, t, o) => history(t as HistoryTarget, o, fanoutPublishRate(results?.scenarios.fanout)),
  abuse: (h, t, o) => abuse(h, t, o),
};

function machine(): RunResults['machine'] {
  const model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return { nproc: cpus().length, cpu: model.trim(), node: process.version, kernel: release() };
}

/** openFilesLimit is the soft RLIMIT_NOFILE this process runs with. */
function openFilesLimit(): number {
  return Number(execFileSync('bash', ['-c', 'ulimit -n']).toString().trim()) || 1024;
}

/** latencyPanels picks the latency distributions drawn in the SVG. */
function latencyPanels(results: RunResults): Panel[] {
  const picks: Array<[ScenarioName, string, (r: any) => LatencySummary]> = [
    ['fanout', 'fan-out (fixed rate)', (r) => r.fixed.latency],
    ['many', 'many channels', (r) => r.latency],
    ['http', 'HTTP API trigger', (r) => r.latency],
    ['presence', 'presence join', (r) => r.joinLatency],
  ];
  const panels: Panel[] = [];
  for (const [name, title, pick] of picks) {
    const outcomes = results.scenarios[name];
    if (outcomes === undefined) continue;
    const series = Object.entries(outcomes).flatMap(([target, o]) => ('result' in o ? [{ target, latency: pick(o.result) }] : []));
    if (series.length > 0) panels.push({ title, series });
  }
  return panels;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const notes: string[] = [];
  const limit = openFilesLimit();
  const needed = Math.max(options.idle, options.channels, options.subscribers) + 2000;
  if (limit < needed) {
    const idleMax = Math.max(100, limit - 2000);
    notes.push(`open-files limit is ${limit}: idle connections reduced from ${options.idle} to ${Math.min(options.idle, idleMax)}.`);
    options.idle = Math.min(options.idle, idleMax);
    options.channels = Math.min(options.channels, idleMax);
    options.subscribers = Math.min(options.subscribers, idleMax);
  }
  log(`open-files limit ${limit}; options ${JSON.stringify(options)}`);

  const all = options.ref === undefined ? TARGETS : [TARGETS[0]!, refTarget(resolve(options.ref)), ...TARGETS.slice(1), ...refAbuseTargets(resolve(options.ref))];
  // why: `--targets` also sets the run order (baseline is still the reference for ratios).
  const order = (t: Target): number => options.targets?.indexOf(t.name) ?? 0;
  // why: a target none of the chosen scenarios runs is not prepared (no soketi install for `--scenarios serials`).
  const targets = all
    .filter((t) => t.scenarios.some((s) => options.scenarios.includes(s)))
    .filter((t) => options.targets === undefined || options.targets.includes(t.name) || (t.name === 'sockudo-ts@ref' && !options.targets.length))
    .sort((a, b) => order(a) - order(b));
  const skipped = new Map<string, string>();
  for (const t of targets) {
    const why = await t.prepare(options);
    if (why !== undefined) {
      skipped.set(t.name, why);
      log(`SKIPPED target ${t.name}: ${why}`);
    }
    if (t.note !== undefined && why === undefined) notes.push(t.note);
  }
  for (const [name, why] of skipped) notes.push(`${name} skipped: ${why}`);

  const run: RunResults = {
    startedAt: new Date(started).toISOString(),
    durationS: 0,
    machine: machine(),
    options: { ...options, command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}` },
    notes,
    scenarios: {},
  };
  results = run;
  const h = new Harness();
  try {
    for (const scenario of options.scenarios) {
      const outcomes: Record<string, Outcome> = {};
      run.scenarios[scenario] = outcomes;
      for (const target of targets.filter((t) => t.scenarios.includes(scenario))) {
        const why = skipped.get(target.name);
        if (why !== undefined) {
          outcomes[target.name] = { skipped: why };
          continue;
        }
        log(`${scenario} / ${target.name}: starting`);
        let running: RunningTarget | undefined;
        try {
          running = await target.start(options);
          const result = (await RUNNERS[scenario](h, running, options, target)) as Record<string, unknown>;
          outcomes[target.name] = { result };
          log(`${scenario} / ${target.name}: ${JSON.stringify(result).slice(0, 400)}`);
        } catch (err) {
          outcomes[target.name] = { error: String((err as Error).message ?? err).split('\n')[0]! };
          log(`${scenario} / ${target.name}: ERROR ${String((err as Error).stack ?? err)}`);
          await h.close().catch(() => undefined);
        } finally {
          await running?.stop();
        }
      }
    }
  } finally {
    h.stop();
    await closePushSinks();
  }
  run.durationS = (Date.now() - started) / 1000;
  write(run, options);
}

function write(results: RunResults, options: Options): void {
  const dir = resolve(ROOT, options.outDir);
  mkdirSync(dir, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  // why: a run of scenarios without latency panels (serials alone) gets no drawing rather than an empty one.
  const panels = latencyPanels(results);
  const drawn = panels.length > 0;
  const svgName = drawn ? `${stamp}.svg` : undefined;
  writeFileSync(join(dir, `${stamp}.json`), JSON.stringify(results, null, 2) + '\n');
  if (drawn) writeFileSync(join(dir, `${stamp}.svg`), latencySvg(panels, `Latency per target, ${results.startedAt.slice(0, 16)} (log scale)`));
  writeFileSync(join(dir, `${stamp}.md`), markdown(results, svgName));
  for (const ext of drawn ? ['json', 'svg'] : ['json']) copyFileSync(join(dir, `${stamp}.${ext}`), join(dir, `latest.${ext}`));
  writeFileSync(join(dir, 'latest.md'), markdown(results, drawn ? 'latest.svg' : undefined));
  process.stdout.write('\n' + markdown(results, svgName));
  if (options.readme) updateReadme(markdown(results, drawn ? `${options.outDir}/latest.svg` : undefined));
  log(`wrote ${join(dir, stamp)}.{json,md${drawn ? ",svg" : ""}} and latest.* in ${Math.round(results.durationS)} s`);
}

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

/** updateReadme puts a run's tables between the bench markers of README.md (`--readme`). */
function updateReadme(tables: string): void {
  const file = join(ROOT, 'README.md');
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) {
    log(`README.md has no ${START} ... ${END} markers; not updated`);
    return;
  }
  writeFileSync(file, `${text.slice(0, a + START.length)}\n${tables.replace(/^### /gm, '#### ')}${text.slice(b)}`);
  log('updated the results in README.md');
}

await main();
