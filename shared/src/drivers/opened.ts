/** ReadinessProbe tells whether one dependency of a process is reachable now (for `GET /ready`). */
export interface ReadinessProbe {
  /** name names the dependency in the `/ready` answer (`nats`, `redis`, ...), never its address. */
  readonly name: string;
  /** ready is true while the dependency answers; it never throws and never waits. */
  ready(): boolean;
}

/** Opened is a driver a factory opened: the port it serves, an optional readiness probe, and how to close it. */
export interface Opened<T> {
  port: T;
  probe?: ReadinessProbe;
  close(): Promise<void>;
}

/**
 * DriverSet collects the drivers a process opens, so that the process can ask all their probes and close
 * them all, in reverse order of opening, after its services stopped (or when composing failed half-way).
 */
export class DriverSet {
  private readonly opened: Array<Opened<unknown>> = [];

  /** open awaits a factory's result, keeps it for probes and closing, and returns its port. */
  async open<T>(opening: Promise<Opened<T>>): Promise<T> {
    const opened = await opening;
    this.opened.push(opened);
    return opened.port;
  }

  /** probes lists the readiness probes of every opened driver that has one. */
  probes(): ReadinessProbe[] {
    return this.opened.flatMap((o) => (o.probe === undefined ? [] : [o.probe]));
  }

  /** close closes every opened driver, newest first; a failing close does not stop the others. */
  async close(): Promise<void> {
    const all = this.opened.splice(0).reverse();
    for (const o of all) await o.close().catch(() => undefined);
  }
}
