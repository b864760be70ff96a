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
