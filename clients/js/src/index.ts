// @sockudo-ts/pusher-recovery: pusher-js with connection recovery for sockudo-ts (serials, resume, de-duplication,
// rewind). `createPusher` returns a plain pusher-js instance, so Laravel Echo takes it through its `client` option.
import PusherImport from 'pusher-js';
import { enableRecovery, type RecoveryHandle, type RecoveryOptions } from './recovery.js';

export { HistoryError, type HistoryDirection, type HistoryItem, type HistoryPage, type HistoryQuery } from './history.js';
export { enableRecovery, type Position, type PusherLike, type RecoveryHandle, type RecoveryOptions, type Rewind } from './recovery.js';

// why: pusher-js ships CommonJS typings; under NodeNext its default import is the module, whose default is the class.
const Pusher = PusherImport as unknown as typeof PusherImport.default;

/** Pusher is the pusher-js 8 client class. */
export type Pusher = InstanceType<typeof Pusher>;

/** PusherOptions are pusher-js's constructor options. */
export type PusherOptions = ConstructorParameters<typeof Pusher>[1];

/** RecoveringPusher is a pusher-js instance with its recovery handle. */
export type RecoveringPusher = Pusher & { recovery: RecoveryHandle };

/**
 * createPusher constructs a pusher-js client with connection recovery enabled (see enableRecovery) and returns
 * it; `pusher.recovery` holds the handle (positions, rewind on subscribe).
 */
export function createPusher(key: string, options: PusherOptions, recovery: RecoveryOptions = {}): RecoveringPusher {
  const pusher = new Pusher(key, options) as RecoveringPusher;
  pusher.recovery = enableRecovery(pusher as unknown as Parameters<typeof enableRecovery>[0], recovery);
  return pusher;
}
