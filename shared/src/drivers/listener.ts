import { ConfigError, type ListenerConfig, type ServerSettings } from '../config/config.js';
import { HttpListener, type ListenerHandlers, type ListenerSettings } from '../http/listener.js';
import { parseSocketMode, socketPathProblem } from '../http/unix-socket.js';
import type { Logger } from '../telemetry/logger.js';

/** ListenerKeys are the config keys that decide where and how the client-facing listener binds. */
export type ListenerKeys = Pick<ServerSettings, 'host' | 'port' | 'environment'> & ListenerConfig;

/**
 * listenerSettings turns the config into the client-facing listener's settings: `host:port`, with TLS from
 * `[ssl]` (and its redirect server), or a unix socket from `[unix_socket]` instead of host:port. Throws
 * ConfigError for a socket path that is relative or holds `..`, a bad socket mode, or TLS without its files.
 */
export function listenerSettings(config: ListenerKeys): ListenerSettings {
  const settings: ListenerSettings = { host: config.host, port: config.port, key: 'port' };
  const { ssl, unix_socket: unix } = config;
  if (unix.enabled) {
    const problem = socketPathProblem(unix.path);
    if (problem !== undefined) throw new ConfigError(`unix_socket.path: ${problem}, got ${JSON.stringify(unix.path)}`);
    const mode = parseSocketMode(unix.permission_mode);
    if (mode === undefined) throw new ConfigError(`unix_socket.permission_mode: expected an octal mode such as 660, got ${JSON.stringify(unix.permission_mode)}`);
    settings.unixSocket = { path: unix.path, mode };
    return settings;
  }
  if (ssl.enabled) {
    if (ssl.cert_path === '' || ssl.key_path === '') throw new ConfigError('ssl.cert_path and ssl.key_path: both are required when ssl.enabled is true');
    settings.tls = { certPath: ssl.cert_path, keyPath: ssl.key_path, passphrase: ssl.passphrase, caPath: ssl.ca_path };
    if (ssl.redirect_http) settings.redirectHttpPort = ssl.http_port;
  }
  return settings;
}

/**
 * createListener creates the listener a process serves its clients on: HTTP/1.1 on `host:port`, HTTPS when
 * `settings.tls` is set (with the 301 redirect server when asked), or a unix socket. `name` names it in logs.
 * With the listener's config it also logs the warnings the seeds give: a world-writable socket, a socket
 * under /tmp in production, TLS settings that a unix socket ignores.
 */
export function createListener(name: string, settings: ListenerSettings, handlers: ListenerHandlers, logger: Logger, config?: ListenerKeys): HttpListener {
  if (settings.unixSocket !== undefined) {
    const { path, mode } = settings.unixSocket;
    if ((mode & 0o002) !== 0) logger.warn({ path, mode: mode.toString(8) }, 'unix_socket.permission_mode is world-writable: any local user can connect; prefer 660 with a shared group');
    if (config?.environment === 'production' && (path.startsWith('/tmp/') || path.startsWith('/var/tmp/'))) {
      logger.warn({ path }, 'unix_socket.path is under /tmp in production: temporary directories are cleaned and shared; prefer /run/sockudo/');
    }
    if (config?.ssl.enabled) logger.warn('ssl.enabled is ignored on a unix socket: terminate TLS at the proxy in front of it');
  }
  return new HttpListener(name, settings, handlers, logger);
}
