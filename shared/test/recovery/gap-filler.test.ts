import { describe, expect, it } from 'vitest';
import { GapFiller, type Sequenced } from '../../src/recovery/gap-filler.js';
import { waitFor } from '../../../tests/kit/clients.js';

const item = (serial: number, previous: number): Sequenced => ({ message: { frame: String(serial), serial }, serial, previous });

/** stream is a channel's stored messages: serials 1, 3, 5, ... (other channels own the even ones). */
function stream(upTo: number): Sequenced[] {
  const out: Sequenced[] = [];
  for (let s = 1; s <= upTo; s += 2) out.push(item(s, s === 1 ? 0 : s - 2));
  return out;
}

describe('GapFiller', () => {
  it('fills a gap from the stream before delivering later messages, exactly once and in order', async () => {
    const stored = stream(11);
    const delivered: string[] = [];
    let fails = 1;
    const filler = new GapFiller({
      fetch: async (after, upTo) => {
        if (fails-- > 0) throw new Error('stream unreachable');
        return stored.filter((m) => m.serial > after && (upTo === undefined || m.serial <= upTo));
      },
      deliver: (m) => delivered.push(m.frame),
      retryMs: 5,
    });
    filler.offer(stored[0]!);
    filler.offer(stored[3]!); // 7 after 1: 3 and 5 missing
    filler.offer(stored[4]!); // 9 waits for the fill
    filler.offer(stored[1]!); // 3 again, late: dropped
    await waitFor(() => delivered.includes('9'), 5000, 'the fill and 9');
    expect(delivered).toEqual(['1', '3', '5', '7', '9']);
    filler.catchUp();
    await waitFor(() => delivered.includes('11'), 5000, 'the catch-up to 11');
    expect(delivered).toEqual(['1', '3', '5', '7', '9', '11']);
    expect(filler.pending()).toBe(0);
  });

  it('skips what the stream no longer has and goes on', async () => {
    const delivered: string[] = [];
    const filler = new GapFiller({ fetch: async () => [], deliver: (m) => delivered.push(m.frame) });
    filler.offer(item(1, 0));
    filler.offer(item(9, 7));
    filler.offer(item(11, 9));
    await waitFor(() => delivered.includes('11'), 5000, '11');
    expect(delivered).toEqual(['1', '9', '11']);
  });

  it('restarts when the stream started over: waits for the new stream id, then delivers from the new serial 1', async () => {
    const delivered: string[] = [];
    let stream = 'old';
    const filler = new GapFiller({
      fetch: async () => [],
      deliver: (m) => delivered.push(`${m.streamId}:${m.frame}`),
      onStreamReset: async () => {
        await new Promise((r) => setTimeout(r, 10));
        stream = 'new';
      },
      stamp: (m) => {
        m.streamId = stream;
      },
    });
    filler.offer(item(4, 2));
    filler.offer(item(1, 0)); // the new stream's first message
    filler.offer(item(2, 1)); // waits for the restart
    await waitFor(() => delivered.length >= 3, 5000, 'the new stream\'s first two messages');
    expect(delivered).toEqual(['old:4', 'new:1', 'new:2']);
  });
});
