import type { Logger } from '../telemetry/logger.js';
import type { HistoryConfig } from '../config/config.js';
import type { HistoryStore, RetentionRule } from './history-store.js';

/** retentionRules turns the `[history]` section into the retention job's rules: by age and by count per channel. */
export function retentionRules(history: Pick<HistoryConfig, 'retention_seconds' | 'max_items_per_channel'>): RetentionRule[] {
  return [{ maxAgeMs: history.retention_seconds * 1000, maxItemsPerChannel: history.max_items_per_channel }];
}

/**
 * RetentionJob applies the retention rules to the history store every `intervalMs`, one run at a time; a run
 * that fails (database down) is logged and the next one tries again.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: HistoryStore,
    private readonly rules: () => readonly RetentionRule[],
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly onDropped: (count: number) => void = () => undefined,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  /** runOnce applies every rule now (or waits for the run in progress) and resolves with how many messages went. */
  async runOnce(): Promise<void> {
    this.running ??= this.apply().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async apply(): Promise<void> {
    const now = Date.now();
    try {
      let dropped = 0;
      for (const rule of this.rules()) dropped += await this.store.retain(rule, now);
      this.onDropped(dropped);
      if (dropped > 0) this.logger.debug({ dropped }, 'history retention dropped messages');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'history retention run failed; the next run tries again');
    }
  }
}
