/**
 * redactUrl masks the credentials of a connection URL (`nats://user:pass@host` -> `nats://***@host`, and
 * `password`/`token` query values), so that an address can appear in logs and start-up errors.
 */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/?#]*@/, '//***@').replace(/([?&](?:password|pass|token|secret)=)[^&#]*/gi, '$1***');
}
