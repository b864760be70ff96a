/**
 * The bench message: event `bench`, data `B|<send time ms>|<seq>|<padding>` sized so that the whole
 * Pusher frame is about 100 bytes. A plain string (not JSON) so that a receiver finds the timestamp
 * without parsing, and so that every server forwards it byte for byte.
 */

/** MARK starts the data of every bench message. */
export const MARK = Buffer.from('B|');

/** EVENT is the event name of bench messages. */
export const EVENT = 'bench';

/** benchData returns the data string for a message sent now, padded to `size` characters. */
export function benchData(sentAtMs: number, seq: number, size = 48): string {
  const head = `B|${sentAtMs.toFixed(3)}|${seq}|`;
  return head + 'x'.repeat(Math.max(0, size - head.length));
}

/** readSendTime parses the send time that follows MARK at byte offset `mark`. */
export function readSendTime(buf: Buffer, mark: number): number {
  const start = mark + 2;
  const bar = buf.indexOf(0x7c, start);
  return Number(buf.toString('latin1', start, bar));
}
