import { fork, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { createServer } from 'node:net';
import { rssBytes, sleep } from './proc.js';

/** MemorySample is a server's memory after a full GC, summed over its processes. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  /** external is memory V8 tracks outside its heap (Buffers). */
  external: number;
}

const PROBE = new URL('./probe.js', import.meta.url);

/**
 * ServerProcess is one Node process of a target, started with the memory probe preloaded and its
 * output in a log file.
 */
export class ServerProcess {
  private readonly child: ChildProcess;
  exited = false;

  constructor(script: string, args: string[], env: Record<string, string>, logFile: string, execArgv: string[] = [], cwd?: string) {
    const log = openSync(logFile, 'a');
    this.child = fork(script, args, {
      cwd,
      env: { ...process.env, ...env },
      execArgv: ['--expose-gc', '--import', PROBE.href, ...execArgv],
      stdio: ['ignore', log, log, 'ipc'],
    });
    this.child.on('exit', () => (this.exited = true));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** memory asks the probe for heap figures after a GC; RSS comes from /proc. */
  memory(): Promise<MemorySample> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done({ rss: rssBytes(this.pid), heapUsed: 0, external: 0 }), 5000);
      const done = (m: MemorySample): void => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve(m);
      };
      const onMessage = (m: { probe?: string } & MemorySample): void => {
        if (m.probe === 'memory') done({ rss: rssBytes(this.pid), heapUsed: m.heapUsed, external: m.external });
      };
      this.child.on('message', onMessage);
      this.child.send({ probe: 'memory' });
    });
  }

  /** stop sends SIGTERM and waits up to graceMs before SIGKILL. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (!this.exited && Date.now() < deadline) await sleep(20);
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

/** freePort asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** sumMemory adds the samples of several processes. */
export function sumMemory(samples: MemorySample[]): MemorySample {
  return samples.reduce((a, b) => ({ rss: a.rss + b.rss, heapUsed: a.heapUsed + b.heapUsed, external: a.external + b.external }), {
    rss: 0,
    heapUsed: 0,
    external: 0,
  });
}
