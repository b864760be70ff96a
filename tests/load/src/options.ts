/** ScenarioName names the scenarios of the benchmark. */
export type ScenarioName = 'fanout' | 'many' | 'idle' | 'http' | 'presence' | 'push' | 'serials' | 'history' | 'abuse';

/** SCENARIOS is every scenario, in run order (history after fanout: it uses the fan-out scenario's publish rate). */
export const SCENARIOS: ScenarioName[] = ['fanout', 'many', 'idle', 'http', 'presence', 'push', 'serials', 'history', 'abuse'];

/** Options are the benchmark's settings; `--quick` shrinks every size and duration. */
export interface Options {
  quick: boolean;
  /** subscribers on the fan-out channel (default 2,000; quick 500). */
  subscribers: number;
  /** rate is the fixed fan-out rate in publishes/s; default: half of baseline's saturating rate. */
  rate?: number;
  /** channels is the socket count of the many-channels scenario (default 5,000; quick 1,000). */
  channels: number;
  /** manyRate is publishes/s in the many-channels scenario. */
  manyRate: number;
  /** idle is the idle-capacity connection count (default 10,000; quick 2,000). */
  idle: number;
  /** phaseMs is the length of one measured phase. */
  phaseMs: number;
  /** searchSteps bounds the saturation search of the fan-out scenario. */
  searchSteps: number;
  /** members is the steady presence membership of the churn scenario (100). */
  members: number;
  /** churners is the number of sockets joining and leaving in a loop. */
  churners: number;
  /** pushDevices is the number of devices on the push scenario's interest (default 10,000; quick 2,000). */
  pushDevices: number;
  targets?: string[];
  scenarios: ScenarioName[];
  /** attacks narrows the abuse scenario to these attacks (default: all of them). */
  attacks?: string[];
  /** rounds is how many passes over the attacks the abuse scenario makes (default 3; quick 1). */
  rounds: number;
  /** profileDir makes sockudo-ts write a V8 CPU profile per run there (`node --cpu-prof`). */
  profileDir?: string;
  /** ref is another built checkout measured as target `sockudo-ts@ref` (before/after comparisons). */
  ref?: string;
  /** readme replaces the results between the bench markers of README.md with this run's tables. */
  readme: boolean;
  outDir: string;
}

/** USAGE is printed by `--help`. */
export const USAGE = `npm run bench -- [--quick] [--subscribers N] [--rate R] [--channels N] [--idle N]
  [--targets baseline,baseline-express,baseline-per-turn,sockudo-ts,sockudo-ts-serials,sockudo-ts-cluster,sockudo-ts-cluster-redis,sockudo-ts-cluster-serials,soketi,nats-bus,sockudo-ts-history,sockudo-ts-defaults,sockudo-ts-limited,sockudo-ts@ref,sockudo-ts-defaults@ref,sockudo-ts-limited@ref (also the run order)] [--scenarios ${SCENARIOS.join(',')}]
  [--attacks subscribe-flood,frame-flood,connect-flood,http-flood,webhook-hang] [--rounds N] (abuse scenario)
  [--push-devices N] [--phase-ms MS] [--search-steps N] [--profile DIR] [--ref CHECKOUT_DIR] [--out DIR] [--readme]`;

/** parseOptions reads the command line; unknown flags throw. */
export function parseOptions(argv: string[]): Options {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n${USAGE}`);
    const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (name === 'quick' || name === 'help' || name === 'readme') flags.set(name, 'true');
    else flags.set(name, inline ?? argv[++i] ?? '');
  }
  if (flags.has('help')) {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  }
  const quick = flags.has('quick');
  const num = (name: string, full: number, small: number): number => {
    const v = flags.get(name);
    flags.delete(name);
    if (v === undefined) return quick ? small : full;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number >= 0, got ${v}`);
    return n;
  };
  const list = (name: string): string[] | undefined => {
    const v = flags.get(name);
    flags.delete(name);
    return v?.split(',').map((s) => s.trim()).filter(Boolean);
  };
  const rate = flags.has('rate') ? num('rate', 0, 0) : undefined;
  const scenarios = (list('scenarios') ?? SCENARIOS) as ScenarioName[];
  for (const s of scenarios) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}; known: ${SCENARIOS.join(', ')}`);
  const options: Options = {
    quick,
    subscribers: num('subscribers', 2000, 500),
    rate,
    channels: num('channels', 5000, 1000),
    manyRate: num('many-rate', 500, 200),
    idle: num('idle', 10_000, 2000),
    phaseMs: num('phase-ms', 5000, 2000),
    searchSteps: num('search-steps', 9, 8),
    members: num('members', 100, 100),
    churners: num('churners', 20, 10),
    pushDevices: num('push-devices', 10_000, 2000),
    targets: list('targets'),
    scenarios,
    attacks: list('attacks'),
    rounds: Math.max(1, num('rounds', 3, 1)),
    profileDir: flags.get('profile'),
    ref: flags.get('ref'),
    readme: flags.has('readme'),
    outDir: flags.get('out') ?? 'bench-results',
  };
  flags.delete('quick');
  flags.delete('profile');
  flags.delete('ref');
  flags.delete('readme');
  flags.delete('out');
  if (flags.size > 0) throw new Error(`unknown flag --${[...flags.keys()][0]}\n${USAGE}`);
  return options;
}
