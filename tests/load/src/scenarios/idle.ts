/**
 * Scenario 3, idle capacity: N connections that only connect, then the server's memory after a full GC
 * compared with before, per connection.
 */
import type { Harness } from '../harness.js';
import type { Options } from '../options.js';
import { CpuMeter, sleep } from '../proc.js';
import type { RunningTarget } from '../targets.js';

/** IdleResult is the idle-capacity scenario's figures for one target. */
export interface IdleResult {
  connections: number;
  failed: number;
  connectsPerS: number;
  /** serverCpuMsPer1000 is server CPU ms per 1,000 connection handshakes. */
  serverCpuMsPer1000: number;
  rssBytes: number;
  rssPerConnBytes: number;
  /** heapPerConnBytes counts V8 heap plus external (Buffer) memory. */
  heapPerConnBytes: number;
}

/** idle runs scenario 3 against a started target. */
export async function idle(h: Harness, target: RunningTarget, o: Options): Promise<IdleResult> {
  const before = await target.memory();
  const cpu = new CpuMeter(() => target.pids());
  cpu.start();
  const t0 = Date.now();
  const opened = await h.open(target, o.idle, []);
  const connectMs = Date.now() - t0;
  const cpuMs = cpu.elapsedMs();
  await sleep(1000);
  const after = await target.memory();
  await h.close();
  const n = Math.max(1, opened.opened);
  return {
    connections: opened.opened,
    failed: opened.failed,
    connectsPerS: Math.round((opened.opened * 1000) / connectMs),
    serverCpuMsPer1000: Math.round((cpuMs * 1000 * 1000) / n) / 1000,
    rssBytes: after.rss,
    rssPerConnBytes: Math.round((after.rss - before.rss) / n),
    heapPerConnBytes: Math.round((after.heapUsed + after.external - before.heapUsed - before.external) / n),
  };
}
