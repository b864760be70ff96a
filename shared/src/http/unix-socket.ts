import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { isAbsolute } from 'node:path';

/** UnixSocketSettings say where a listener's socket file goes and its mode. */
export interface UnixSocketSettings {
  path: string;
  /** mode is the socket file's permission bits, e.g. 0o660. */
  mode: number;
}

/**
 * parseSocketMode reads an octal mode as written in config (`660`, `0660`, `0o660`); undefined when it is not
 * one (the caller names the key).
 */
export function parseSocketMode(text: string): number | undefined {
  const m = /^(?:0o|0)?([0-7]{3})$/i.exec(text.trim());
  return m === null ? undefined : parseInt(m[1]!, 8);
}

/** socketPathProblem says why a socket path is refused (relative, or with `..`); undefined when it is fine. */
export function socketPathProblem(path: string): string | undefined {
  if (!isAbsolute(path)) return 'must be an absolute path';
  if (path.split('/').includes('..')) return 'must not contain `..`';
  return undefined;
}

/**
 * removeStaleSocket deletes a socket file nobody listens on (left by a crash), so that binding works. A file
 * that is not a socket, or a socket something still answers on, is left alone and reported.
 */
export async function removeStaleSocket(path: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to remove it`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw Object.assign(new Error(`another process listens on ${path}`), { code: 'EADDRINUSE' });
  unlinkSync(path);
}

/** chmodSocket sets the socket file's mode after binding. */
export function chmodSocket(settings: UnixSocketSettings): void {
  chmodSync(settings.path, settings.mode);
}

/** unlinkSocket removes the socket file at stop (best effort). */
export function unlinkSocket(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // why: already gone (removed by an operator, or never bound) is what we wanted.
  }
}
