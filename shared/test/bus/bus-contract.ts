import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asAppId, asChannelName, asSocketId, asUserId, type Bus, type BusMessage, type ControlMessage } from '@sockudo-ts/shared';
import { waitFor } from '../../../tests/kit/clients.js';

const app1 = asAppId('app1');
const app2 = asAppId('app2');
const orders = asChannelName('orders');
const ordered = asChannelName('ordered');
const leaving = asChannelName('leaving');
const staying = asChannelName('staying');
const shared = asChannelName('shared');
const userU1 = asUserId('u.1');

/** BusCluster is two nodes' views of one bus medium (for MemoryBus, the same instance twice). */
export interface BusCluster {
  nodes: [Bus, Bus];
  close(): Promise<void>;
}

/**
 * describeBusContract runs the Bus port's contract against an implementation: what every bus must do
 * for the gateway and api to be correct, whatever moves the bytes.
 */
export function describeBusContract(name: string, makeCluster: () => Promise<BusCluster>): void {
  describe(`Bus contract: ${name}`, () => {
    let cluster: BusCluster;
    let a: Bus;
    let b: Bus;
    beforeEach(async () => {
      cluster = await makeCluster();
      [a, b] = cluster.nodes;
    });
    afterEach(async () => {
      await cluster.close();
    });

    it('delivers a publish to subscribers on every node, the publisher included, with its fields intact', async () => {
      const onA: BusMessage[] = [];
      const onB: BusMessage[] = [];
      await a.subscribe(app1, orders, (m) => onA.push(m));
      await b.subscribe(app1, orders, (m) => onB.push(m));
      const message: BusMessage = {
        frame: '{"event":"e","channel":"orders","data":"{\\"x\\":\\"ü\\"}"}',
        except: asSocketId('123.456'),
        id: 'msg-1',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      };
      await a.publish(app1, orders, message);
      await waitFor(() => onA.length === 1 && onB.length === 1, 3000, 'delivery to both nodes');
      expect(onA[0]).toEqual(message);
      expect(onB[0]).toEqual(message);
    });

    it('keeps apps and channels apart, including names with . # = @ , ;', async () => {
      const names = ['a.b', 'a', 'a=2Eb', '#server-to-user-1', 'x@y,z;w', 'private-a.b.c', 'a.b.'].map(asChannelName);
      const got = new Map<string, string[]>();
      for (const ch of names) {
        got.set(ch, []);
        await b.subscribe(app1, ch, (m) => got.get(ch)!.push(m.frame));
      }
      const other: string[] = [];
      await b.subscribe(app2, asChannelName('a.b'), (m) => other.push(m.frame));
      for (const ch of names) await a.publish(app1, ch, { frame: ch });
      await waitFor(() => names.every((ch) => got.get(ch)!.length === 1), 3000, 'every channel');
      for (const ch of names) expect(got.get(ch)).toEqual([ch]);
      expect(other).toEqual([]);
    });

    it('keeps the order of one publisher', async () => {
      const seen: string[] = [];
      await b.subscribe(app1, ordered, (m) => seen.push(m.frame));
      for (let i = 0; i < 200; i++) await a.publish(app1, ordered, { frame: String(i) });
      await waitFor(() => seen.length === 200, 3000, '200 messages');
      expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    });

    it('stops delivering after unsubscribe, while other subscriptions go on', async () => {
      const gone: string[] = [];
      const kept: string[] = [];
      const sub = await b.subscribe(app1, leaving, (m) => gone.push(m.frame));
      await b.subscribe(app1, staying, (m) => kept.push(m.frame));
      await sub.unsubscribe();
      await a.publish(app1, leaving, { frame: 'late' });
      await a.publish(app1, staying, { frame: 'sentinel' });
      await waitFor(() => kept.length === 1, 3000, 'sentinel');
      expect(gone).toEqual([]);
    });

    it('keeps a second handler of one channel on one node when the first unsubscribes', async () => {
      const first: string[] = [];
      const second: string[] = [];
      const one = await b.subscribe(app1, shared, (m) => first.push(m.frame));
      await b.subscribe(app1, shared, (m) => second.push(m.frame));
      await a.publish(app1, shared, { frame: 'both' });
      await waitFor(() => first.length === 1 && second.length === 1, 3000, 'both handlers');
      await one.unsubscribe();
      await one.unsubscribe();
      await a.publish(app1, shared, { frame: 'second only' });
      await waitFor(() => second.length === 2, 3000, 'the remaining handler');
      expect(first).toEqual(['both']);
      expect(second).toEqual(['both', 'second only']);
    });

    it('delivers control messages to every node', async () => {
      const onA: ControlMessage[] = [];
      const onB: ControlMessage[] = [];
      a.onControl((m) => onA.push(m));
      b.onControl((m) => onB.push(m));
      const message: ControlMessage = { type: 'terminate_user', appId: app1, userId: userU1 };
      await b.publishControl(message);
      await waitFor(() => onA.length === 1 && onB.length === 1, 3000, 'control on both nodes');
      expect(onA[0]).toEqual(message);
      expect(onB[0]).toEqual(message);
    });
  });
}
