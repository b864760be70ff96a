import { randomInt } from 'node:crypto';
import type { SocketId } from '../ids.js';

const MAX = 2 ** 31 - 1;
const SOCKET_ID_PATTERN = /^\d+\.\d+$/;

/** newSocketId returns a `<digits>.<digits>` id with 62 random bits, unique across a cluster in practice. */
export function newSocketId(): SocketId {
  return `${randomInt(1, MAX)}.${randomInt(1, MAX)}` as SocketId;
}

/** isSocketId is true for the `<digits>.<digits>` form that pusher-js and the SDKs send as `socket_id`. */
export function isSocketId(value: unknown): value is SocketId {
  return typeof value === 'string' && value.length <= 64 && SOCKET_ID_PATTERN.test(value);
}
