import { randomInt } from 'node:crypto';

const MAX = 2 ** 31 - 1;

/** newSocketId returns a `<digits>.<digits>` id with 62 random bits, unique across a cluster in practice. */
export function newSocketId(): string {
  return `${randomInt(1, MAX)}.${randomInt(1, MAX)}`;
}

/** SOCKET_ID_PATTERN is the format pusher-js and the SDKs accept. */
export const SOCKET_ID_PATTERN = /^\d+\.\d+$/;
