import { describe, expect, it } from 'vitest';
import { MemoryAppStore, MemoryBus, MemoryPresenceStore, NullWebhookSink, LocalPresence, type ControlMessage } from '@sockudo-ts/shared';
import { waitFor } from '../../../tests/kit/index.js';
import { OutageBus } from './outage-bus.js';
import { describePresenceContract, PRESENCE_CONTRACT_APP } from './presence-contract.js';

describePresenceContract('LocalPresence in process', async () => {
  const bus = new MemoryBus();
  const store = new MemoryPresenceStore();
  const presence = new LocalPresence(store, bus, new MemoryAppStore([PRESENCE_CONTRACT_APP]), NullWebhookSink);
  return { presence, bus, dispose: async () => presence.close() };
});

describe('LocalPresence while the bus is unavailable', () => {
  const ann = (sid: string) => ({ sid, member: { id: 'ann', info: { n: sid } } });
  function setup() {
    const bus = new OutageBus();
    const presence = new LocalPresence(new MemoryPresenceStore(), bus, new MemoryAppStore([PRESENCE_CONTRACT_APP]), NullWebhookSink, { announceRetryMs: 10 });
    const frames: string[] = [];
    const control: ControlMessage[] = [];
    void bus.subscribe('pa', 'presence-x', (m) => frames.push(m.frame));
    bus.onControl((m) => control.push(m));
    return { bus, presence, frames, control };
  }

  it('accepts a join whose member_added the bus refused and announces it once the bus takes it', async () => {
    const { bus, presence, frames } = setup();
    await presence.connect('pa', '1.1', 'n1');
    bus.failNext = 1;
    const first = ann('1.1');
    expect(await presence.subscribe('pa', 'presence-x', first.sid, first.member)).toMatchObject({ ok: true, memberAdded: true });
    // the user's next socket is not a new member: the first socket's announcement is the one that counts
    await presence.connect('pa', '1.2', 'n2');
    expect(await presence.subscribe('pa', 'presence-x', '1.2', { id: 'ann' })).toMatchObject({ ok: true, memberAdded: false });
    await waitFor(() => frames.length > 0, 2000, 'member_added after the bus came back');
    expect(frames).toEqual(['{"event":"pusher_internal:member_added","channel":"presence-x","data":"{\\"user_id\\":\\"ann\\",\\"user_info\\":{\\"n\\":\\"1.1\\"}}"}']);
    await presence.close();
  });

  it('announces leaves, sign-ins and sign-outs made during an outage once it ends, in the order they happened', async () => {
    const { bus, presence, frames, control } = setup();
    await presence.connect('pa', '1.1', 'n1');
    bus.down = true;
    await presence.signin('pa', '1.1', 'ann');
    await presence.subscribe('pa', 'presence-x', '1.1', { id: 'ann' });
    await presence.disconnect('pa', '1.1');
    expect(await presence.members('pa', 'presence-x')).toEqual([]);
    expect(presence.pendingAnnouncements()).toBe(4);
    bus.down = false;
    await waitFor(() => presence.pendingAnnouncements() === 0, 2000, 'the announcements to go out');
    expect(frames.map((f) => JSON.parse(f).event)).toEqual(['pusher_internal:member_added', 'pusher_internal:member_removed']);
    expect(control.map((m) => m.type === 'user_presence' && m.online)).toEqual([true, false]);
    await presence.close();
  });
});
