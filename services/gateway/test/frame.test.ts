import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { closeReason, encodeTextFrame } from '../src/frame.js';

/** ReceiverLike is the part of ws's frame parser this test uses (@types/ws does not declare it). */
interface ReceiverLike {
  on(event: 'message', cb: (data: Buffer) => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
  write(chunk: Buffer): void;
}
const Receiver = (ws as unknown as { Receiver: new (options: { isServer: boolean }) => ReceiverLike }).Receiver;

/** decode parses frames with the ws library's own receiver, as a client would. */
function decode(frame: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const receiver = new Receiver({ isServer: false });
    receiver.on('message', (data: Buffer) => resolve(String(data)));
    receiver.on('error', reject);
    receiver.write(frame);
  });
}

describe('encodeTextFrame', () => {
  for (const length of [0, 125, 126, 65535, 65536, 200_000]) {
    it(`builds a frame a WebSocket client decodes (${length} bytes)`, async () => {
      const text = 'é'.repeat(Math.floor(length / 2)) + 'x'.repeat(length % 2);
      expect(await decode(encodeTextFrame(text))).toBe(text);
    });
  }
});

describe('closeReason', () => {
  it('keeps short reasons as they are', () => {
    expect(closeReason('Pong reply not received in time')).toBe('Pong reply not received in time');
  });

  it('cuts to at most 123 UTF-8 bytes without splitting a character', () => {
    const cut = closeReason('App key ' + '€'.repeat(64) + ' not in this cluster');
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(123);
    expect(Buffer.byteLength(cut)).toBeGreaterThan(118);
    expect(cut).not.toContain('\uFFFD');
    expect(closeReason('😀'.repeat(40))).toBe('😀'.repeat(30));
  });
});
