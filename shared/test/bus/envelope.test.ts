import { describe, expect, it } from 'vitest';
import { decodeChannelMessage, decodeChannelMessages, encodeBareBatch, encodeChannelBatch, encodeChannelMessage, newMessageId } from '../../src/bus/envelope.js';
import { asSocketId } from '../../src/ids.js';

describe('envelope', () => {
  it('gives every message a distinct 16-byte hex id, also past the random pool', () => {
    const ids = Array.from({ length: 2000 }, () => newMessageId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('reads back what it wrote: frame, id, except and trace context', () => {
    const message = { frame: '{"event":"e","data":"ü"}', id: 'm1', except: asSocketId('1.2'), traceparent: '00-abc-def-01' };
    const envelope = encodeChannelMessage('node-a', message);
    expect(decodeChannelMessage((name) => envelope.headers[name], envelope.payload)).toEqual(message);
    const plain = encodeChannelMessage('node-a', { frame: 'x' });
    expect(decodeChannelMessage((name) => plain.headers[name], plain.payload)).toEqual({ frame: 'x', id: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it('reads a batch back as its messages in order; a reader of single messages drops it; a malformed one is refused', () => {
    const messages = [{ frame: '{"event":"a","data":"\\"1\\""}', id: 'm1', except: asSocketId('1.2') }, { frame: 'b', traceparent: '00-abc-def-01' }, { frame: '' }];
    const batch = encodeChannelBatch('node-a', messages);
    const read = (e: { headers: Record<string, string> }) => (name: string) => e.headers[name];
    expect(decodeChannelMessages(read(batch), batch.payload)).toEqual([
      messages[0],
      { ...messages[1], id: expect.stringMatching(/^[0-9a-f]{32}$/) },
      { frame: '', id: expect.stringMatching(/^[0-9a-f]{32}$/) },
    ]);
    expect(decodeChannelMessage(read(batch), batch.payload)).toBeUndefined();
    const single = encodeChannelMessage('node-a', { frame: 'x', id: 'm9' });
    expect(decodeChannelMessages(read(single), single.payload)).toEqual([{ frame: 'x', id: 'm9' }]);
    const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
    for (const bad of ['not json', '{"a":1}', '[["x",1]]', '[[]]', '["x"]']) expect(decodeChannelMessages(read(batch), bytes(bad))).toBeUndefined();
  });

  it('reads a bare batch (no headers) back as its messages in order; a header-less payload without its mark, or a malformed one, is refused', () => {
    const messages = [{ frame: '{"event":"a","data":"\\"1\\""}', id: 'm1', except: asSocketId('1.2') }, { frame: 'b', traceparent: '00-abc-def-01' }];
    const bare = encodeBareBatch('node-a', messages);
    expect(bare.headers).toEqual({});
    const none = (): undefined => undefined;
    expect(decodeChannelMessages(none, bare.payload)).toEqual([messages[0], { ...messages[1], id: expect.stringMatching(/^[0-9a-f]{32}$/) }]);
    // what the stream adds on RePublish does not change the reading
    expect(decodeChannelMessages((name) => (name === 'Nats-Sequence' ? '7' : undefined), bare.payload)).toHaveLength(2);
    expect(decodeChannelMessage(none, bare.payload)).toBeUndefined();
    const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
    for (const bad of ['[["x","m1","",""]]', '["sockudo-batch","2","n",["x","m1","",""]]', '["sockudo-batch","1","n",["x",1]]', '["sockudo-batch","1","n",[]]', '["sockudo-batch","1",', 'x']) {
      expect(decodeChannelMessages(none, bytes(bad))).toBeUndefined();
    }
    // a payload with the mark under a header envelope is read by its headers, not as a bare batch
    const single = encodeChannelMessage('node-a', { frame: '["sockudo-batch","1","n",["x","m1","",""]]', id: 'm9' });
    expect(decodeChannelMessages((name) => single.headers[name], single.payload)).toEqual([{ frame: '["sockudo-batch","1","n",["x","m1","",""]]', id: 'm9' }]);
  });
});
