import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

/** CLOCK_TICKS_PER_S is USER_HZ, the unit of utime/stime in /proc/<pid>/stat (100 on Linux). */
const CLOCK_TICKS_PER_S = 100;
const PAGE_BYTES = 4096;

/** cpuMs returns the user+system CPU time (ms) a process has used, from /proc/<pid>/stat; 0 if it is gone. */
export function cpuMs(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.system;
}

/** cpuTimes returns a process's user and system CPU time in ms (utime, stime); zeros if it is gone. */
export function cpuTimes(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // why: the command name (field 2) may contain spaces; fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: (Number(fields[11]) * 1000) / CLOCK_TICKS_PER_S, system: (Number(fields[12]) * 1000) / CLOCK_TICKS_PER_S };
  } catch {
    return { user: 0, system: 0 };
  }
}

/** rssBytes returns a process's resident set size in bytes, from /proc/<pid>/statm; 0 if it is gone. */
export function rssBytes(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_BYTES;
  } catch {
    return 0;
  }
}

/** CpuMeter measures the CPU time a set of processes use between `start` and `stop`. */
export class CpuMeter {
  private before = new Map<number, { user: number; system: number }>();

  constructor(private readonly pids: () => number[]) {}

  /** start snapshots every process's CPU time. */
  start(): void {
    this.before = new Map(this.pids().map((pid) => [pid, cpuTimes(pid)]));
  }

  /** elapsedMs is the CPU time (ms, user + system) used by the processes since `start`. */
  elapsedMs(): number {
    const t = this.elapsed();
    return t.user + t.system;
  }

  /** elapsed is the user and system CPU time (ms) used by the processes since `start`. */
  elapsed(): { user: number; system: number } {
    const sum = { user: 0, system: 0 };
    for (const pid of this.pids()) {
      const now = cpuTimes(pid);
      const was = this.before.get(pid) ?? { user: 0, system: 0 };
      sum.user += now.user - was.user;
      sum.system += now.system - was.system;
    }
    return sum;
  }
}

/** waitForPort resolves once something accepts TCP connections on the port, or rejects after timeoutMs. */
export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** sleep resolves after ms milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** nowMs is wall-clock time in milliseconds with sub-millisecond precision, comparable across processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
