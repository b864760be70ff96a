import { describe, expect, it } from 'vitest';
import { asAppId, asChannelName, asNodeId, asSocketId, asUserId, type Member, type NodeSnapshot, type SubscribeResult } from '@sockudo-ts/shared';
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
    const members: Member[] = [{ id: asUserId('ann') }, { id: asUserId('bob'), info: { name: 'Bob', tags: ['a'], n: 1.5 } }, { id: asUserId('zed'), info: null }, { id: asUserId('__proto__'), info: 'text' }];
    for (const member of members) {
      expect(memberFromWire(memberToWire(member))).toEqual(member);
    }
    expect(memberToWire({ id: asUserId('ann') })).toEqual({ id: 'ann', infoJson: '' });
  });

  it('carries subscribe results, with members only when the channel has them', () => {
    const results: SubscribeResult[] = [
      { ok: true, occupied: true, memberAdded: false, subscriptionCount: 3 },
      { ok: true, occupied: false, memberAdded: true, subscriptionCount: 2, members: [{ id: asUserId('ann') }, { id: asUserId('bob'), info: { x: 1 } }] },
      { ok: true, occupied: false, memberAdded: false, subscriptionCount: 1, members: [] },
      { ok: false, reason: 'members_limit' },
    ];
    for (const result of results) expect(subscribeResultFromWire(subscribeResultToWire(result))).toEqual(result);
  });

  it('carries channel counts and node snapshots', () => {
    const channels = new Map([[asChannelName('news'), { subscriptionCount: 2, userCount: 0 }], [asChannelName('presence-x'), { subscriptionCount: 3, userCount: 2 }]]);
    expect(channelsFromWire(channelsToWire(channels))).toEqual(channels);
    const app = asAppId('a');
    const ann = asUserId('ann');
    const snapshot: NodeSnapshot = {
      nodeId: asNodeId('g1'),
      sockets: [
        { appId: app, socketId: asSocketId('1.1'), userId: ann, channels: [{ channel: asChannelName('presence-p'), member: { id: ann, info: { n: 1 } } }, { channel: asChannelName('news') }] },
        { appId: app, socketId: asSocketId('1.2'), channels: [] },
      ],
    };
    expect(snapshotFromWire(snapshotToWire(snapshot))).toEqual(snapshot);
  });

  it('refuses a Connect result it does not know instead of passing it on', () => {
    expect(connectResultFromWire({ result: 'full' })).toBe('full');
    expect(() => connectResultFromWire({ result: 'maybe' })).toThrow(/unknown result "maybe"/);
  });
});
