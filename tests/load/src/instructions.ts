/**
 * instructions.ts measures the HTTP API's server cost per signed trigger in CPU instructions, which do not
 * depend on how loaded the machine is (CPU-time ratios on a shared 2-core machine swing from 2.4x to 3.7x
 * between runs). Each target runs under `valgrind --tool=callgrind` (node with V8's optimizing compiler on
 * the main thread, see `measure`); after `--warmup` triggers that let V8 optimize the hot path, every round
 * zeroes the counters (`callgrind_control -z`), sends `--requests` signed triggers over the same `--conns`
 * keep-alive connections and dumps the counters (`callgrind_control -d`). A request's cost is the dump's
 * instruction total (every thread of the process, garbage collection included) over the requests; the
 * report gives each round, the median, and the ratio of the medians to `baseline` (bare node:http) and to
 * `baseline-express` (the same handler as one express route: what express itself costs). The target
 * `floor-express-signed` (not run unless named) adds to that route the least a signed trigger's checks cost with
 * node:crypto (string to sign cut from the query, HMAC, body_md5): the floor any signed publish on express
 * stands on. An idle round (no
 * requests, as long as the last round) shows the timers' share, which is included.
 *
 * Instructions are user space only: the kernel's work per request (socket reads and writes, the same for
 * every target) is in `npm run bench`'s CPU time but not here, so ratios here are higher than CPU-time
 * ratios measured on a quiet machine.
 *
 * Usage: `npm run bench:instructions -- [--targets baseline,baseline-express,sockudo-ts] [--ref DIR]
 *   [--warmup 20000] [--requests 2000] [--rounds 5] [--conns 8]`. `--ref DIR` adds `sockudo-ts@ref`, the
 * embedded server of another built checkout (before/after in one run). Needs valgrind; takes 5-20 minutes
 * (most of it the warm-ups); the dumps stay in .scratch/bench/callgrind/<target>/ for callgrind_annotate.
 * With BENCH_PERF_MAP=1 in the environment, node runs with `--perf-basic-prof`: /tmp/perf-<pid>.map names
 * the JIT code's addresses in the dumps.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { md5Hex, signHttpRequest } from '@sockudo-ts/shared';
import { buildRequest, RawHttpConnection } from './http-client.js';
import { benchData, EVENT } from './message.js';
import { sleep, waitForPort } from './proc.js';
import { freePort } from './server-process.js';
import { APP, ROOT, SCRATCH, sockudoConfig } from './targets.js';

const run = promisify(execFile);

/** Settings are the command line's values. */
interface Settings {
  targets: string[];
  ref?: string;
  warmup: number;
  requests: number;
  rounds: number;
  conns: number;
}

/** TargetResult is one target's instructions per request in each round. */
interface TargetResult {
  name: string;
  perRequest: number[];
  median: number;
  idlePerS: number;
}

function parse(argv: string[]): Settings {
  const s: Settings = { targets: ['baseline', 'baseline-express', 'sockudo-ts'], warmup: 20000, requests: 2000, rounds: 5, conns: 8 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i]!, argv[i + 1] ?? ''];
    if (flag === '--targets') s.targets = value.split(',').filter(Boolean);
    else if (flag === '--ref') s.ref = resolve(value);
    else if (flag === '--warmup' || flag === '--requests' || flag === '--rounds' || flag === '--conns') {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer, got ${value}`);
      s[flag.slice(2) as 'warmup' | 'requests' | 'rounds' | 'conns'] = n;
    } else throw new Error(`unknown flag ${flag}`);
  }
  if (s.ref !== undefined && !s.targets.includes('sockudo-ts@ref')) s.targets.push('sockudo-ts@ref');
  return s;
}

/** command returns how to start a target on `port`: its script, arguments, environment and directory. */
function command(name: string, port: number, ref: string | undefined): { args: string[]; env: Record<string, string>; cwd: string } {
  const local = (script: string): string => fileURLToPath(new URL(script, import.meta.url));
  if (name === 'baseline') return { args: [local('./baseline-server.js'), String(port)], env: {}, cwd: ROOT };
  if (name === 'baseline-express') return { args: [local('./baseline-express-server.js'), String(port)], env: {}, cwd: ROOT };
  if (name === 'floor-express-signed') return { args: [local('./floor-express-signed-server.js'), String(port)], env: {}, cwd: ROOT };
  const root = name === 'sockudo-ts' ? ROOT : name === 'sockudo-ts@ref' && ref !== undefined ? ref : undefined;
  if (root === undefined) throw new Error(`unknown target ${name}`);
  return { args: [join(root, 'services/standalone/dist/main.js'), '--config', sockudoConfig()], env: { HOST: '127.0.0.1', PORT: String(port) }, cwd: root };
}

/**
 * Trigger is the bench's signed `POST /apps/{id}/events` to a channel without subscribers, signed again
 * every minute: under valgrind a run can outlast the 600 s a signature is accepted for. Every signing has
 * the same length, so each costs the server the same.
 */
class Trigger {
  private bytes: Buffer = Buffer.alloc(0);
  private signedAt = 0;

  constructor(private readonly port: number) {}

  get request(): Buffer {
    if (Date.now() - this.signedAt > 60_000) {
      this.signedAt = Date.now();
      const body = JSON.stringify({ name: EVENT, channels: ['api-bench'], data: benchData(this.signedAt, 0) });
      const path = `/apps/${APP.appId}/events`;
      const params: Record<string, string> = { auth_key: APP.key, auth_timestamp: String(Math.floor(this.signedAt / 1000)), auth_version: '1.0', body_md5: md5Hex(body) };
      params.auth_signature = signHttpRequest(APP.secret, 'POST', path, params);
      this.bytes = buildRequest(this.port, `${path}?${new URLSearchParams(params).toString()}`, body);
    }
    return this.bytes;
  }
}

/** send makes `count` requests over the connections, one in flight on each; throws on a non-200 answer. */
async function send(conns: RawHttpConnection[], trigger: Trigger, count: number): Promise<void> {
  let left = count;
  await Promise.all(
    conns.map(async (conn) => {
      while (left > 0) {
        left--;
        const status = await conn.request(trigger.request);
        if (status !== 200) throw new Error(`trigger answered ${status}`);
      }
    }),
  );
}

/** Traced is a target running under callgrind: its pid, its dump directory and its environment. */
interface Traced {
  pid: number;
  dir: string;
  env: NodeJS.ProcessEnv;
}

/**
 * control sends one callgrind_control command to a traced target. why: it runs with the target's
 * environment, since valgrind names its vgdb pipes after $HOST (which the sockudo-ts targets set to their
 * listen address) and the user.
 */
async function control(t: Traced, action: string): Promise<void> {
  const { stdout, stderr } = await run('callgrind_control', [`--vgdb-prefix=${join(t.dir, 'vgdb')}`, action, String(t.pid)], { env: t.env });
  if (/error|failed/i.test(stdout + stderr)) throw new Error(`callgrind_control ${action} ${t.pid}: ${stdout}${stderr}`);
}

/** dumpTotal has callgrind dump its counters (which zeroes them) and returns the dump's instruction total. */
async function dumpTotal(t: Traced): Promise<number> {
  const { dir } = t;
  const before = new Set(readdirSync(dir));
  await control(t, '-d');
  for (let i = 0; i < 200; i++) {
    const file = readdirSync(dir).find((f) => f.startsWith('cg.out.') && !before.has(f));
    if (file !== undefined) {
      const totals = /^totals: (\d+)/m.exec(readFileSync(join(dir, file), 'utf8'));
      if (totals !== null) return Number(totals[1]);
    }
    await sleep(100);
  }
  throw new Error(`callgrind wrote no dump for ${t.pid} in ${dir}`);
}

async function measure(name: string, s: Settings): Promise<TargetResult> {
  const port = await freePort();
  const trigger = new Trigger(port);
  const dir = join(SCRATCH, 'callgrind', name.replace(/[^\w.-]/g, '_'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { args, env, cwd } = command(name, port, s.ref);
  const childEnv = { ...process.env, ...env };
  // why: V8 optimizes on a background thread, which valgrind runs so slowly that a function waits for its
  // optimized code thousands of requests longer than at full speed, so the rounds measured the tiers and
  // the compiler rather than the steady state; compiled on the main thread, the warm-up ends with it.
  const node = [process.execPath, '--no-concurrent-recompilation', ...(process.env.BENCH_PERF_MAP ? ['--perf-basic-prof'] : [])];
  const child: ChildProcess = spawn('valgrind', ['--tool=callgrind', `--vgdb-prefix=${join(dir, 'vgdb')}`, `--callgrind-out-file=${join(dir, 'cg.out')}`, ...node, ...args], {
    cwd,
    env: childEnv,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const traced: Traced = { pid: child.pid!, dir, env: childEnv };
  try {
    await waitForPort(port, 300_000);
    const conns = await Promise.all(Array.from({ length: s.conns }, () => RawHttpConnection.open(port)));
    await send(conns, trigger, s.warmup);
    await control(traced, '-z');
    const perRequest: number[] = [];
    let lastMs = 0;
    for (let r = 0; r < s.rounds; r++) {
      const t0 = Date.now();
      await send(conns, trigger, s.requests);
      lastMs = Date.now() - t0;
      perRequest.push((await dumpTotal(traced)) / s.requests);
      process.stderr.write(`${name} round ${r + 1}: ${Math.round(perRequest.at(-1)! / 1000)}k instructions/request\n`);
    }
    await sleep(lastMs);
    const idlePerS = (await dumpTotal(traced)) / (lastMs / 1000);
    for (const c of conns) c.close();
    const sorted = [...perRequest].sort((a, b) => a - b);
    return { name, perRequest, median: sorted[Math.floor(sorted.length / 2)]!, idlePerS };
  } finally {
    child.kill('SIGTERM');
    await new Promise((done) => (child.exitCode !== null ? done(undefined) : child.once('exit', done)));
  }
}

function k(n: number): string {
  return `${Math.round(n / 1000)}k`;
}

async function main(): Promise<void> {
  const s = parse(process.argv.slice(2));
  const results: TargetResult[] = [];
  for (const name of s.targets) results.push(await measure(name, s));
  const by = (name: string): number | undefined => results.find((r) => r.name === name)?.median;
  const ratio = (v: number, base: number | undefined): string => (base === undefined ? '-' : `${(v / base).toFixed(2)}x`);
  const lines = [
    `Instructions per signed trigger under callgrind (${s.requests} requests per round after ${s.warmup} warm-up, ${s.conns} connections; median of ${s.rounds} rounds)`,
    '',
    '| target | median | rounds | / baseline | / baseline-express | idle timers |',
    '|---|---:|---|---:|---:|---:|',
    ...results.map((r) => `| ${r.name} | ${k(r.median)} | ${r.perRequest.map(k).join(', ')} | ${ratio(r.median, by('baseline'))} | ${ratio(r.median, by('baseline-express'))} | ${k(r.idlePerS)}/s |`),
  ];
  const text = lines.join('\n') + '\n';
  process.stdout.write(text);
  writeFileSync(join(SCRATCH, 'callgrind', 'instructions.md'), text);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
