/**
 * DependencyUnavailable says that a service this node needs (NATS, Redis, the presence service) cannot be
 * reached right now. Callers turn it into a 503 (HTTP API) or a back-off close/error (WebSocket), never a
 * hang or a crash. `message` is fit for clients: it names the dependency by role, never by address;
 * `detail` (addresses with credentials masked, the driver's own error) is for logs and start-up errors only.
 */
export class DependencyUnavailable extends Error {
  /** dependency is the unreachable service: `nats`, `redis`, `presence`, ... */
  readonly dependency: string;
  /** detail is what an operator needs (masked address, driver error); never sent to clients. */
  readonly detail?: string;

  constructor(dependency: string, message: string, detail?: string) {
    super(message);
    this.name = 'DependencyUnavailable';
    this.dependency = dependency;
    if (detail !== undefined) this.detail = detail;
  }
}
