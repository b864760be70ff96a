/**
 * FUZZ are the property-test settings: a fixed seed, so that CI runs the same cases every time (set FUZZ_SEED to
 * explore others locally; a failure prints the seed and path to replay), and a bounded number of runs.
 */
export const FUZZ = { seed: Number(process.env.FUZZ_SEED ?? 20_261_127), numRuns: Number(process.env.FUZZ_RUNS ?? 400) };
