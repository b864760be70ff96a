import type { Logger } from '../telemetry/logger.js';
import type { App } from '../apps/app.js';
import type { HistoryConfig } from '../config/config.js';
import type { HistoryStore, RetentionRule } from './history-store.js';

/**
 * retentionRules turns the `[history]` section and the apps' `history` overrides into the retention job's
 * rules: one per app with an override (its keys over the server's), and the server's for every other app.
 */
export function retentionRules(history: Pick<HistoryConfig, 'retention_seconds' | 'max_items_per_channel'>, apps: readonly Pick<App, 'id' | 'history'>[] = []): RetentionRule[] {
  const rule = (h: Pick<HistoryConfig, 'retention_seconds' | 'max_items_per_channel'>): RetentionRule => ({ maxAgeMs: h.retention_seconds * 1000, maxItemsPerChannel: h.max_items_per_channel });
  const own = apps.filter((a) => a.history !== undefined);
  return [
    ...own.map((a) => ({ ...rule({ ...history, ...a.history }), apps: [a.id] })),
    { ...rule(history), ...(own.length > 0 ? { exceptApps: own.map((a) => a.id) } : {}) },
  ];
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
