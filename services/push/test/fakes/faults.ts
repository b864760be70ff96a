/**
 * Fault is how a fake provider misbehaves for a request: the device is `unregistered` (each provider's own
 * answer for a dead token), `throttle` (429, with Retry-After when given), `error` (that HTTP status, e.g.
 * 500 or 503), or `stall` (never answer; the client's timeout must fire).
 */
export type Fault = { kind: 'unregistered' } | { kind: 'throttle'; retryAfterSeconds?: number } | { kind: 'error'; status: number; reason?: string } | { kind: 'stall' };

interface Rule {
  target: string;
  fault: Fault;
  remaining: number;
}

/** ANY is the fault target that matches every device. */
export const ANY = '*';

/** FaultPlan says which requests a fake fails, per device (token or subscription id) or for all. */
export class FaultPlan {
  private rules: Rule[] = [];

  /** add fails the next `times` requests for `target` (ANY: every device) with `fault`. */
  add(target: string, fault: Fault, times = Number.POSITIVE_INFINITY): void {
    this.rules.push({ target, fault, remaining: times });
  }

  /** take returns the fault for this request, if any, and counts it down. */
  take(target: string): Fault | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && (r.target === target || r.target === ANY));
    if (rule === undefined) return undefined;
    rule.remaining--;
    return rule.fault;
  }

  clear(): void {
    this.rules = [];
  }
}
