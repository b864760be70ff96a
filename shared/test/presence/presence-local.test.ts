import { describe, expect, it } from 'vitest';
import { asAppId, asChannelName, asNodeId, asSocketId, asUserId, LocalPresence, MemoryAppStore, MemoryBus, MemoryPresenceStore, NullWebhookSink, type ControlMessage, type SocketId } from '@sockudo-ts/shared';
import { waitFor } from '../../../tests/kit/index.js';
import { OutageBus } from './outage-bus.js';
import { describePresenceContract, PRESENCE_CONTRACT_APP } from './presence-contract.js';

const pa = asAppId('pa');
const presenceX = asChannelName('presence-x');
const n1 = asNodeId('n1');
const n2 = asNodeId('n2');
const s11 = asSocketId('1.1');
const s12 = asSocketId('1.2');
const annId = asUserId('ann');

describePresenceContract('LocalPresence in process', async () => {
  const bus = new MemoryBus();
  const store = new MemoryPresenceStore();
  const presence = new LocalPresence(store, bus, new MemoryAppStore([PRESENCE_CONTRACT_APP]), NullWebhookSink);
  return { presence, bus, dispose: async () => presence.close() };
});

describe('LocalPresence while the bus is unavailable', () => {
  const ann = (sid: SocketId) => ({ sid, member: { id: annId, info: { n: sid } } });
  function setup() {
    const bus = new OutageBus();
    const presence = new LocalPresence(new MemoryPresenceStore(), bus, new MemoryAppStore([PRESENCE_CONTRACT_APP]), NullWebhookSink, { announceRetryMs: 10 });
    const frames: string[] = [];
    const control: ControlMessage[] = [];
    void bus.subscribe(pa, presenceX, (m) => frames.push(m.frame));
    bus.onControl((m) => control.push(m));
    return { bus, presence, frames, control };
  }

  it('accepts a join whose member_added the bus refused and announces it once the bus takes it', async () => {
    const { bus, presence, frames } = setup();
    await presence.connect(pa, s11, n1);
    bus.failNext = 1;
    const first = ann(s11);
    expect(await presence.subscribe(pa, presenceX, first.sid, first.member)).toMatchObject({ ok: true, memberAdded: true });
    // the user's next socket is not a new member: the first socket's announcement is the one that counts
    await presence.connect(pa, s12, n2);
    expect(await presence.subscribe(pa, presenceX, s12, { id: annId })).toMatchObject({ ok: true, memberAdded: false });
    await waitFor(() => frames.length > 0, 2000, 'member_added after the bus came back');
    expect(frames).toEqual(['{"event":"pusher_internal:member_added","channel":"presence-x","data":"{\\"user_id\\":\\"ann\\",\\"user_info\\":{\\"n\\":\\"1.1\\"}}"}']);
    await presence.close();
  });

  it('announces leaves, sign-ins and sign-outs made during an outage once it ends, in the order they happened', async () => {
    const { bus, presence, frames, control } = setup();
    await presence.connect(pa, s11, n1);
    bus.down = true;
    await presence.signin(pa, s11, annId);
    await presence.subscribe(pa, presenceX, s11, { id: annId });
    await presence.disconnect(pa, s11);
    expect(await presence.members(pa, presenceX)).toEqual([]);
    expect(presence.pendingAnnouncements()).toBe(4);
    bus.down = false;
    await waitFor(() => presence.pendingAnnouncements() === 0, 2000, 'the announcements to go out');
    expect(frames.map((f) => JSON.parse(f).event)).toEqual(['pusher_internal:member_added', 'pusher_internal:member_removed']);
    expect(control.map((m) => m.type === 'user_presence' && m.online)).toEqual([true, false]);
    await presence.close();
  });
});
