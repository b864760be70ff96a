import { describe, expect, it } from 'vitest';
import { asSocketId } from '@sockudo-ts/shared';
import { decodeChannelMessage, encodeChannelMessage, newMessageId } from '../../src/bus/envelope.js';

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
});
