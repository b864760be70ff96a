import { describe, expect, it } from 'vitest';
import type { NodeSnapshot, SubscribeResult } from '@sockudo-ts/shared';
import {
  channelsFromWire,
  channelsToWire,
  connectResultFromWire,
  memberFromWire,
  memberToWire,
  snapshotFromWire,
  snapshotToWire,
  subscribeResultFromWire,
  subscribeResultToWire,
} from '@sockudo-ts/shared/implementations';

describe('presence wire conversions', () => {
  it('carries a member with or without user_info, JSON values of any shape included', () => {
    for (const member of [{ id: 'ann' }, { id: 'bob', info: { name: 'Bob', tags: ['a'], n: 1.5 } }, { id: 'zed', info: null }, { id: '__proto__', info: 'text' }]) {
      expect(memberFromWire(memberToWire(member as never))).toEqual(member);
    }
    expect(memberToWire({ id: 'ann' } as never)).toEqual({ id: 'ann', infoJson: '' });
  });

  it('carries subscribe results, with members only when the channel has them', () => {
    const results: SubscribeResult[] = [
      { ok: true, occupied: true, memberAdded: false, subscriptionCount: 3 },
      { ok: true, occupied: false, memberAdded: true, subscriptionCount: 2, members: [{ id: 'ann' }, { id: 'bob', info: { x: 1 } }] } as SubscribeResult,
      { ok: true, occupied: false, memberAdded: false, subscriptionCount: 1, members: [] },
      { ok: false, reason: 'members_limit' },
    ];
    for (const result of results) expect(subscribeResultFromWire(subscribeResultToWire(result))).toEqual(result);
  });

  it('carries channel counts and node snapshots', () => {
    const channels = new Map([['news', { subscriptionCount: 2, userCount: 0 }], ['presence-x', { subscriptionCount: 3, userCount: 2 }]]);
    expect(channelsFromWire(channelsToWire(channels as never))).toEqual(channels);
    const snapshot = {
      nodeId: 'g1',
      sockets: [
        { appId: 'a', socketId: '1.1', userId: 'ann', channels: [{ channel: 'presence-p', member: { id: 'ann', info: { n: 1 } } }, { channel: 'news' }] },
        { appId: 'a', socketId: '1.2', channels: [] },
      ],
    } as unknown as NodeSnapshot;
    expect(snapshotFromWire(snapshotToWire(snapshot))).toEqual(snapshot);
  });

  it('refuses a Connect result it does not know instead of passing it on', () => {
    expect(connectResultFromWire({ result: 'full' })).toBe('full');
    expect(() => connectResultFromWire({ result: 'maybe' })).toThrow(/unknown result "maybe"/);
  });
});
