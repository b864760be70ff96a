/**
 * Service is one long-running part of a process (a listener, a consumer, a sweeper). A process starts its
 * services in order and stops them in reverse order, each given the grace period to drain.
 */
export interface Service {
  /** name identifies the service in logs ("gateway", "http", "webhook-worker"). */
  readonly name: string;
  /** start begins the service's work; it resolves once the service is ready to serve. */
  start(): Promise<void>;
  /** stop ends the service's work, letting work in flight finish for up to `graceMs` milliseconds. */
  stop(graceMs: number): Promise<void>;
}

/** ServiceHooks are the start and stop of something that is not a Service itself. */
export interface ServiceHooks {
  start?(): void | Promise<void>;
  stop?(graceMs: number): void | Promise<void>;
}

/** defineService makes a Service from start/stop hooks (a timer, a consumer, a sweeper). */
export function defineService(name: string, hooks: ServiceHooks): Service {
  return {
    name,
    start: async () => {
      await hooks.start?.();
    },
    stop: async (graceMs) => {
      await hooks.stop?.(graceMs);
    },
  };
}
