import { HttpListener, type ListenerHandlers, type ListenerSettings } from '../http/listener.js';
import type { Logger } from '../telemetry/logger.js';

/**
 * createListener creates the listener a process serves its clients on: plain HTTP/1.1 on `host:port` today
 * (TLS and a unix socket are further kinds chosen by config). `name` names it in logs.
 */
export function createListener(name: string, settings: ListenerSettings, handlers: ListenerHandlers, logger: Logger): HttpListener {
  return new HttpListener(name, settings, handlers, logger);
}
