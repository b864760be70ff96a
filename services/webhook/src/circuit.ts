/**
 * CircuitBreakers keeps one circuit per webhook endpoint: after `threshold` failed requests in a row the
 * circuit opens and the endpoint is not called for `cooldownMs`; then one trial request is let through
 * (half open): its success closes the circuit, its failure opens it for another cooldown. A threshold of
 * zero turns the breakers off. Circuits of endpoints that work again are forgotten.
 */
export class CircuitBreakers {
  private readonly circuits = new Map<string, { failures: number; openUntil: number; trial: boolean; reason: string }>();

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** allow says whether a request to `endpoint` may go out now; a trial request takes the half-open slot. */
  allow(endpoint: string): boolean {
    const c = this.circuits.get(endpoint);
    if (c === undefined || c.failures < this.threshold) return true;
    if (this.now() < c.openUntil || c.trial) return false;
    c.trial = true;
    return true;
  }

  /** succeeded closes the endpoint's circuit. */
  succeeded(endpoint: string): void {
    this.circuits.delete(endpoint);
  }

  /** failed counts a failed request; at the threshold (or a failed trial) the circuit opens for a cooldown. */
  failed(endpoint: string, reason = ''): void {
    if (this.threshold <= 0) return;
    let c = this.circuits.get(endpoint);
    if (c === undefined) {
      c = { failures: 0, openUntil: 0, trial: false, reason };
      this.circuits.set(endpoint, c);
    }
    c.reason = reason;
    c.failures++;
    c.trial = false;
    if (c.failures >= this.threshold) c.openUntil = this.now() + this.cooldownMs;
  }

  /** lastFailure is the reason of the endpoint's last failed request ('' when none is on record). */
  lastFailure(endpoint: string): string {
    return this.circuits.get(endpoint)?.reason ?? '';
  }

  /** isOpen is true while the endpoint's calls are refused (metrics, tests). */
  isOpen(endpoint: string): boolean {
    const c = this.circuits.get(endpoint);
    return c !== undefined && c.failures >= this.threshold && (this.now() < c.openUntil || c.trial);
  }

  /** size counts the endpoints with failures on record (leak checks). */
  size(): number {
    return this.circuits.size;
  }
}
