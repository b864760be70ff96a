/**
 * DependencyUnavailable says that a service this node needs (NATS, Redis, the presence service) cannot be
 * reached right now. Callers turn it into a 503 (HTTP API) or a back-off close/error (WebSocket), never a
 * hang or a crash. `dependency` names the service for logs and messages.
 */
export class DependencyUnavailable extends Error {
  /** dependency is the unreachable service: `nats`, `redis` or `presence`. */
  readonly dependency: string;

  constructor(dependency: string, message: string) {
    super(message);
    this.name = 'DependencyUnavailable';
    this.dependency = dependency;
  }
}
