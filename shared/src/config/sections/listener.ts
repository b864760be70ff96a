import { setting } from '../setting.js';

/** LISTENER are the keys of the client-facing listener's transport: TLS with its HTTP redirect, or a unix socket. */
export const LISTENER = {
  ssl: {
    enabled: setting.bool(false, { env: ['SSL_ENABLED'], doc: 'Serve HTTPS and WSS on `port` from the PEM files below (embedded server, gateways and api).' }),
    cert_path: setting.string('', { env: ['SSL_CERT_PATH'], doc: 'PEM certificate chain (server certificate first); a renewed file is picked up without a restart.' }),
    key_path: setting.string('', { env: ['SSL_KEY_PATH'], doc: 'PEM private key of the certificate; a renewed file is picked up without a restart.' }),
    passphrase: setting.string('', { env: ['SSL_PASSPHRASE'], doc: 'Passphrase of an encrypted private key; empty for none. Never logged.' }),
    ca_path: setting.string('', { env: ['SSL_CA_PATH'], doc: 'PEM file of CA certificates loaded into the TLS context (intermediates the server may present); empty for none.' }),
    redirect_http: setting.bool(false, { env: ['SSL_REDIRECT_HTTP'], doc: 'With ssl.enabled, also listen on http_port and answer every plain HTTP request with a 301 to the same host and path over HTTPS.' }),
    http_port: setting.int(80, { env: ['SSL_HTTP_PORT'], min: 0, max: 65535, doc: 'Port of the HTTP-to-HTTPS redirect server (ssl.redirect_http).' }),
  },
  unix_socket: {
    enabled: setting.bool(false, { env: ['UNIX_SOCKET_ENABLED'], doc: 'Serve WebSockets and the HTTP API on a unix socket instead of host:port (behind a reverse proxy on the same machine).' }),
    path: setting.string('/var/run/sockudo/sockudo.sock', { env: ['UNIX_SOCKET_PATH'], doc: 'Absolute path of the socket file, without `..`; a stale file left by a crash is removed at start.' }),
    permission_mode: setting.string('660', { env: ['UNIX_SOCKET_PERMISSION_MODE'], doc: 'Octal file mode of the socket (`660`, `0o660`); world-writable modes start with a warning.' }),
  },
} as const;
