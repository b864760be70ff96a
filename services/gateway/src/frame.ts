/**
 * encodeTextFrame builds one unmasked, final WebSocket text frame (RFC 6455 §5.2) holding `text`, header
 * and payload in a single buffer, so that a broadcast builds it once and writes the same bytes to every
 * socket.
 */
export function encodeTextFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  let header: number;
  if (length < 126) header = 2;
  else if (length < 65536) header = 4;
  else header = 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(text, header, 'utf8');
  return frame;
}

/** MAX_CLOSE_REASON_BYTES is the longest close reason a WebSocket close frame carries (RFC 6455 §5.5). */
const MAX_CLOSE_REASON_BYTES = 123;

/**
 * closeReason cuts a message to the 123 UTF-8 bytes a close frame allows, never splitting a character.
 * Messages may quote client input (an app key), so the cut is by bytes, not characters.
 */
export function closeReason(message: string): string {
  if (Buffer.byteLength(message) <= MAX_CLOSE_REASON_BYTES) return message;
  let out = '';
  let bytes = 0;
  for (const ch of message) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > MAX_CLOSE_REASON_BYTES) break;
    out += ch;
    bytes += n;
  }
  return out;
}
