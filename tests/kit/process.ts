import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { START_TIMEOUT_MS } from './processes.js';

/** ROOT is the repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** STANDALONE_MAIN is the built entry point of `npm start`. */
export const STANDALONE_MAIN = `${ROOT}services/standalone/dist/main.js`;

/**
 * buildOnce runs `tsc -b` (incremental: a no-op when dist is current) so that process tests run the
 * code under test, not a stale build. Throws with the compiler output when the build fails.
 */
export function buildOnce(): void {
  const result = spawnSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-b'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tsc -b failed:\n${result.stdout}${result.stderr}`);
}

/** ServerProcess is a spawned standalone server with its output and exit recorded. */
export interface ServerProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** exited resolves with the exit code (or the signal name) and the time of exit. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** kill sends SIGKILL if the process is still running (cleanup). */
  kill(): void;
}

/** spawnServer starts `node services/standalone/dist/main.js ARGS` with only the given environment (plus PATH). */
export function spawnServer(args: string[], options: { cwd: string; env?: Record<string, string> }): ServerProcess {
  const child = spawn(process.execPath, [STANDALONE_MAIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** waitForOutput resolves when the process's stdout matches `pattern`; rejects if it exits first or times out. */
export async function waitForOutput(proc: ServerProcess, pattern: RegExp, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let done = false;
  void proc.exited.then(() => (done = true));
  while (!pattern.test(proc.stdout())) {
    if (done) throw new Error(`server exited before printing ${pattern}:\n${proc.stdout()}${proc.stderr()}`);
    if (Date.now() > deadline) throw new Error(`server did not print ${pattern} in ${timeoutMs} ms:\n${proc.stdout()}${proc.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * listening waits for the server's start-up log line and returns the ports it bound; with port 0 in the
 * config this is how a test learns them without racing for a "free" port.
 */
export async function listening(proc: ServerProcess, timeoutMs = START_TIMEOUT_MS): Promise<{ port: number; metricsPort?: number }> {
  await waitForOutput(proc, /"msg":"sockudo-ts listening[^\n]*\n/, timeoutMs);
  const line = proc.stdout().split('\n').find((l) => l.includes('"msg":"sockudo-ts listening'))!;
  const parsed = JSON.parse(line) as { port: number; metrics_port?: number };
  return { port: parsed.port, metricsPort: parsed.metrics_port };
}
