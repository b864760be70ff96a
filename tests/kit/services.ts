import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** ExternalService is a server the distributed tests need, with how to start it on this machine. */
export interface ExternalService {
  name: string;
  host: string;
  port: number;
  start: string;
}

/** NATS is the machine's NATS server (ENVIRONMENT.md). */
export const NATS: ExternalService = {
  name: 'NATS',
  host: '127.0.0.1',
  port: 4222,
  start: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server',
};

/** REDIS is the machine's Redis server (ENVIRONMENT.md). */
export const REDIS: ExternalService = {
  name: 'Redis',
  host: '127.0.0.1',
  port: 6379,
  start: 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no',
};

/** POSTGRES is the machine's PostgreSQL server (ENVIRONMENT.md); tests create and drop their own databases. */
export const POSTGRES: ExternalService = {
  name: 'PostgreSQL',
  host: '127.0.0.1',
  port: 5432,
  start: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
};

/** MARIADB is the machine's MariaDB server (ENVIRONMENT.md); tests create and drop their own databases. */
export const MARIADB: ExternalService = {
  name: 'MariaDB',
  host: '127.0.0.1',
  port: 3306,
  start: 'service mariadb start',
};

/** ServerBinary is a server program that fault tests start on their own ports (to stop and restart it). */
export interface ServerBinary {
  name: string;
  path: string;
  install: string;
}

/** NATS_SERVER_BINARY is nats-server, started by the tests that restart NATS. */
export const NATS_SERVER_BINARY: ServerBinary = { name: 'nats-server', path: '/usr/sbin/nats-server', install: 'apt-get install nats-server' };

/** REDIS_SERVER_BINARY is redis-server, started by the tests that restart Redis. */
export const REDIS_SERVER_BINARY: ServerBinary = { name: 'redis-server', path: '/usr/bin/redis-server', install: 'apt-get install redis-server' };

/** reachable resolves true when a TCP connection to host:port opens within a second. */
export function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * servicesUp checks that every service is reachable. When one is not, it prints ONE line naming it and
 * how to start it and returns false (the caller skips its suite), except with CI=true, where it throws:
 * in CI a missing service is a failure, not a skip.
 */
export async function servicesUp(suite: string, ...services: ExternalService[]): Promise<boolean> {
  for (const s of services) {
    if (await reachable(s.host, s.port)) continue;
    const missing = `${s.name} is not reachable at ${s.host}:${s.port}`;
    if (process.env.CI === 'true') throw new Error(`${suite}: ${missing} (with CI=true a missing service is a failure); start it with: ${s.start}`);
    // why: several test files need the same service; the run says so once, not once per file.
    if (firstToSay(s)) process.stderr.write(`SKIPPED: the tests that need ${s.name} (bus/store contracts, cluster suite): ${missing}; start it with: ${s.start}\n`);
    return false;
  }
  return true;
}

/**
 * binariesPresent is servicesUp for server programs a test starts itself: one line and false when one is
 * missing, a failure with CI=true.
 */
export function binariesPresent(suite: string, ...binaries: ServerBinary[]): boolean {
  for (const b of binaries) {
    if (existsSync(b.path)) continue;
    const missing = `${b.name} is not installed at ${b.path}`;
    if (process.env.CI === 'true') throw new Error(`${suite}: ${missing} (with CI=true a missing service is a failure); install it with: ${b.install}`);
    if (firstToSay({ name: b.name, host: '', port: 0, start: '' })) {
      process.stderr.write(`SKIPPED: the tests that restart ${b.name} (fault tests): ${missing}; install it with: ${b.install}\n`);
    }
    return false;
  }
  return true;
}

/** uniquePrefix returns a per-run name for keys and subjects, so tests never need an empty Redis or NATS. */
export function uniquePrefix(tag: string): string {
  return `t${tag}${randomBytes(5).toString('hex')}`;
}

/** firstToSay is true for the first test file of this vitest run to report a service missing. */
function firstToSay(service: ExternalService): boolean {
  // why: test files run in forked workers of one vitest process, so its pid names the run.
  const marker = join(tmpdir(), `sockudo-missing-${service.name}-${process.ppid}`);
  try {
    closeSync(openSync(marker, 'wx'));
    return true;
  } catch {
    return false;
  }
}
