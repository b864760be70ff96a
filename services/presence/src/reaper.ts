import type { LocalNodeRegistry, Logger } from '@sockudo-ts/shared';

/**
 * Reaper looks for dead gateways every `intervalMs` and removes the sockets of those silent for longer
 * than `timeoutMs`, so their members leave (member_removed) and cluster-wide counts are right again.
 */
export class Reaper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private startedAt = 0;

  constructor(
    private readonly nodes: LocalNodeRegistry,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * start sweeps every interval. The first sweep that can reap comes one node timeout after start: while
   * this service was down no gateway could heartbeat, so silence from before then proves nothing.
   */
  start(): void {
    this.startedAt = Date.now();
    this.timer = setInterval(() => {
      this.running ??= this.sweep().finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** stop ends the sweeps and waits for one in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async sweep(): Promise<void> {
    if (Date.now() - this.startedAt < this.timeoutMs) return;
    try {
      const dead = await this.nodes.reap(this.timeoutMs);
      if (dead.length > 0) this.logger.warn({ nodes: dead, timeout_ms: this.timeoutMs }, 'removed dead gateways and their sockets');
    } catch (err) {
      this.logger.warn({ reason: (err as Error).message }, 'dead-gateway sweep failed; retrying next interval');
    }
  }
}
