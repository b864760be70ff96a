import { describe, expect, it } from 'vitest';
import { FRAME_HANDLERS, handlerFor } from '../../src/handlers/index.js';
import { handleClientEvent } from '../../src/handlers/client-event.js';
import { handleChannelHistory } from '../../src/handlers/history.js';
import { handlePing } from '../../src/handlers/ping.js';
import { handleSignin } from '../../src/handlers/signin.js';
import { handleSubscribe } from '../../src/handlers/subscribe.js';
import { handleUnsubscribe } from '../../src/handlers/unsubscribe.js';

describe('frame dispatch table', () => {
  it('routes each pusher event to its handler and every client-* event to the client event handler', () => {
    expect(handlerFor('pusher:ping')).toBe(handlePing);
    expect(handlerFor('pusher:subscribe')).toBe(handleSubscribe);
    expect(handlerFor('pusher:unsubscribe')).toBe(handleUnsubscribe);
    expect(handlerFor('pusher:signin')).toBe(handleSignin);
    expect(handlerFor('client-typing')).toBe(handleClientEvent);
    expect(handlerFor('sockudo:subscribe')).toBe(handleSubscribe);
    expect(handlerFor('sockudo:ping')).toBe(handlePing);
    expect(handlerFor('sockudo:constructor')).toBeUndefined();
    expect(handlerFor('sockudo:channel_history')).toBe(handleChannelHistory);
    expect([...FRAME_HANDLERS.keys()].sort()).toEqual([
      'pusher:ping',
      'pusher:signin',
      'pusher:subscribe',
      'pusher:unsubscribe',
      'sockudo:channel_history',
      'sockudo:enable_v2',
      'sockudo:resume',
    ]);
  });

  it('ignores pongs, unknown events and names of Object.prototype members', () => {
    for (const event of ['pusher:pong', 'pusher:unknown', 'client', 'constructor', '__proto__', 'toString', 'hasOwnProperty', '']) {
      expect(handlerFor(event), event).toBeUndefined();
    }
  });
});
