import { describe, expect, it } from 'vitest';
import { channelNameProblem } from '@sockudo-ts/shared';
import { channelSubject } from '@sockudo-ts/shared/implementations';

describe('channel names', () => {
  it('accept any well-formed user id in a server-to-user channel, and refuse control characters', () => {
    for (const id of ['auth0|123', 'ann@example.com', 'üñï', '😀', 'a.b.c']) expect(channelNameProblem(`#server-to-user-${id}`, 200)).toBeUndefined();
    expect(channelNameProblem('#server-to-user-a\u0000b', 200)).toMatch(/control characters/);
  });

  it('refuse server-to-user names with a lone surrogate, which would share one bus subject', () => {
    const a = '#server-to-user-\uD800';
    const b = '#server-to-user-\uDBFF';
    // without the check these two distinct names would be one subject, and one user would read the other's events
    expect(channelSubject('p', 'app', a)).toBe(channelSubject('p', 'app', b));
    expect(channelNameProblem(a, 200)).toMatch(/not valid Unicode/);
    expect(channelNameProblem(b, 200)).toMatch(/not valid Unicode/);
    expect(channelNameProblem('#server-to-user-\uD83D\uDE00', 200)).toBeUndefined();
  });

  it('keep every other channel name to the Pusher character set and length', () => {
    expect(channelNameProblem('private-chat.room-1', 200)).toBeUndefined();
    expect(channelNameProblem('bad channel', 200)).toMatch(/characters outside/);
    expect(channelNameProblem('x'.repeat(201), 200)).toMatch(/longer than 200/);
    expect(channelNameProblem('', 200)).toMatch(/non-empty/);
  });
});
