/**
 * redactUrl describes a connection URL (NATS, Redis, a database) for messages and logs: scheme, host, port and
 * path, never the user, password or query parameters (which may carry credentials too).
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}
