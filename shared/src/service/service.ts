/**
 * Service is one long-running part of a process (a listener, a consumer, a sweeper). A process starts its
 * services in order; to stop, it first has every service refuse new work, then stops them in reverse order, each
 * given the grace period to drain.
 */
export interface Service {
  /** name identifies the service in logs ("gateway", "http", "webhook-worker"). */
  readonly name: string;
  /** start begins the service's work; it resolves once the service is ready to serve. */
  start(): Promise<void>;
  /** stop ends the service's work, letting work in flight finish for up to `graceMs` milliseconds. */
  stop(graceMs: number): Promise<void>;
  /**
   * refuseNew, when a service has it, stops taking new work at once (a listener closes its port) while the work
   * it holds goes on; `stop` finishes later. why: called on every service before any stops, so that behind a
   * balancer the reconnects a gateway's 4200 closes cause reach another process instead of this draining one.
   */
  refuseNew?(): void;
}

/** ServiceHooks are the start, stop and refusal of new work of something that is not a Service itself. */
export interface ServiceHooks {
  start?(): void | Promise<void>;
  stop?(graceMs: number): void | Promise<void>;
  refuseNew?(): void;
}

/** defineService makes a Service from start/stop hooks (a timer, a consumer, a sweeper). */
export function defineService(name: string, hooks: ServiceHooks): Service {
  const { refuseNew } = hooks;
  return {
    name,
    ...(refuseNew === undefined ? {} : { refuseNew: () => refuseNew() }),
    start: async () => {
      await hooks.start?.();
    },
    stop: async (graceMs) => {
      await hooks.stop?.(graceMs);
    },
  };
}
