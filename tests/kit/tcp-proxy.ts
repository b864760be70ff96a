import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * TcpProxy forwards a local port to a real server so a test can take that server "down" for one client and
 * bring it back (on the same port) without stopping the server other tests share.
 */
export interface TcpProxy {
  /** port is where clients connect, on 127.0.0.1. */
  port: number;
  /** down stops accepting and cuts every open connection; connections are refused until up(). */
  down(): Promise<void>;
  /** up listens again on the same port. */
  up(): Promise<void>;
  /** close is down() for good (the proxy's process exits). */
  close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./tcp-proxy-child.mjs', import.meta.url));

/**
 * startTcpProxy starts a proxy on a free 127.0.0.1 port that forwards every connection to host:port. why in a
 * process of its own: in the test's process, anything that held its event loop for a second or two (a
 * synchronous spawn, a long collection on a loaded machine) froze every connection through the proxy, and the
 * services behind it took the database or NATS for down in the middle of a test that expected it up (seen
 * as pool timeouts in every process of a cluster at once).
 */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const child = fork(CHILD, [host, String(port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const listenPort = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port?: number }) => (m.port ? resolve(m.port) : reject(new Error('tcp proxy did not start'))));
    child.once('exit', (code) => reject(new Error(`tcp proxy exited with ${code}`)));
  });
  let closed = false;
  const command = (what: 'down' | 'up'): Promise<void> => (closed || child.exitCode !== null ? Promise.resolve() : ask(child, what));
  const close = async (): Promise<void> => {
    if (closed) return;
    await command('down');
    closed = true;
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.disconnect();
    await exited;
  };
  return { port: listenPort, down: () => command('down'), up: () => command('up'), close };
}

/** ask sends the proxy process a command and resolves once it reports it done. */
function ask(child: ChildProcess, what: 'down' | 'up'): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { done?: string }): void => {
      if (m.done !== what) return;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
    child.send(what, (err) => err && reject(err));
  });
}
