import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** LoggerOptions choose the level and the service name bound to every line. */
export interface LoggerOptions {
  level: string;
  service: string;
  /** destination defaults to stdout; tests pass a stream to capture lines. */
  destination?: NodeJS.WritableStream;
  /** traceFields, when given, adds its fields to every line (`trace_id` and `span_id` of the active span). */
  traceFields?: () => Record<string, string>;
}

/**
 * createLogger returns the service's root pino logger. Fields that could carry credentials are redacted
 * so that a careless log call cannot leak them.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      ...(options.traceFields !== undefined ? { mixin: options.traceFields } : {}),
      redact: {
        // why: two levels deep too, so that an error or context object that carries an App cannot leak it.
        paths: ['secret', '*.secret', '*.*.secret', 'auth', '*.auth', 'auth_signature', '*.auth_signature', 'query', '*.query', 'headers.authorization'],
        censor: '[redacted]',
      },
    },
    options.destination ?? process.stdout,
  );
}

/**
 * LogThrottle lets through the first line of each kind, then at most one per `intervalMs`, which says how many
 * were left out since the last. why: a line per refused request or socket (thousands a second while a
 * dependency is down, or under a flood) would bury every other line and cost the event loop.
 */
export class LogThrottle {
  private readonly kinds = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * pass tells whether a line of this kind may be written now; when it may, `suppressed` is the number of
   * lines of the kind held back since the last one written (add it to the line).
   */
  pass(kind: string): { suppressed: number } | undefined {
    const at = this.now();
    const last = this.kinds.get(kind);
    if (last !== undefined && at - last.at < this.intervalMs) {
      last.suppressed++;
      return undefined;
    }
    const suppressed = last?.suppressed ?? 0;
    // why: bounded: kinds are dependency names or reasons, never client input; drop all if that ever changes.
    if (this.kinds.size >= 1000) this.kinds.clear();
    this.kinds.set(kind, { at, suppressed: 0 });
    return { suppressed };
  }
}
