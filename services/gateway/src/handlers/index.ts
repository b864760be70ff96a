import type { FrameHandler } from '../context.js';
import { handleClientEvent } from './client-event.js';
import { handleChannelHistory } from './history.js';
import { handlePing } from './ping.js';
import { handleEnableV2, handleResume } from './recovery.js';
import { handleSignin } from './signin.js';
import { handleSubscribe } from './subscribe.js';
import { handleUnsubscribe } from './unsubscribe.js';

/**
 * FRAME_HANDLERS maps a client event name to its handler; a new frame type is one handler file and one
 * entry here. `pusher:pong` needs no entry: any frame already counts as activity.
 * why: a Map, not an object literal, so that "constructor" or "__proto__" never find a prototype's member.
 */
export const FRAME_HANDLERS: ReadonlyMap<string, FrameHandler> = new Map<string, FrameHandler>([
  ['pusher:ping', handlePing],
  ['pusher:subscribe', handleSubscribe],
  ['pusher:unsubscribe', handleUnsubscribe],
  ['pusher:signin', handleSignin],
  ['sockudo:enable_v2', handleEnableV2],
  ['sockudo:resume', handleResume],
  ['sockudo:channel_history', handleChannelHistory],
]);

/** CLIENT_EVENT_PREFIX starts the name of every client event (PROTOCOL.md §5). */
const CLIENT_EVENT_PREFIX = 'client-';

/** V2_PREFIX starts Sockudo's V2 names of protocol events (`sockudo:subscribe` is `pusher:subscribe`). */
const V2_PREFIX = 'sockudo:';

/**
 * handlerFor returns the handler of a client frame's event, or undefined when the event is ignored. Sockudo's
 * V2 names of Pusher's events (`sockudo:subscribe`, `sockudo:ping`, ...) find the same handlers.
 */
export function handlerFor(event: string): FrameHandler | undefined {
  const handler = FRAME_HANDLERS.get(event);
  if (handler !== undefined) return handler;
  if (event.startsWith(CLIENT_EVENT_PREFIX)) return handleClientEvent;
  return event.startsWith(V2_PREFIX) ? FRAME_HANDLERS.get('pusher:' + event.slice(V2_PREFIX.length)) : undefined;
}
