import { randomFillSync } from 'node:crypto';
import type { SocketId } from '../ids.js';
import type { BusMessage, ControlMessage } from './bus.js';

/** ENVELOPE_VERSION is the version of the cross-node envelope; a receiver drops versions it does not know. */
export const ENVELOPE_VERSION = '1';

/**
 * EnvelopeKind says what a cross-node message carries: a channel frame, several frames of one channel in their
 * order (`batch`, only stored in the JetStream stream; receivers that predate it drop it), or a control message.
 */
export type EnvelopeKind = 'channel' | 'batch' | 'control';

/**
 * Envelope is the cross-node form of a bus message: header fields (strings, as NATS headers carry them)
 * plus the payload bytes. It is built and read only here, so that a transport just moves it.
 */
export interface Envelope {
  headers: Record<string, string>;
  payload: Uint8Array;
}

/** HEADER names the envelope's header fields. `traceparent` is the W3C trace context header, as is. */
export const HEADER = {
  version: 'Sockudo-Version',
  node: 'Sockudo-Node',
  kind: 'Sockudo-Kind',
  id: 'Sockudo-Msg-Id',
  except: 'Sockudo-Except',
  traceparent: 'traceparent',
} as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** ID_POOL holds random bytes for 256 message ids, filled again when used up. */
const ID_POOL = Buffer.alloc(16 * 256);
let idOffset = ID_POOL.length;

/** newMessageId returns a 16-byte random hex id for a message that has none. */
export function newMessageId(): string {
  // why: one call to the random source per 256 ids; a call per id cost ~5% of a saturated publisher's CPU.
  if (idOffset === ID_POOL.length) {
    randomFillSync(ID_POOL);
    idOffset = 0;
  }
  const id = ID_POOL.toString('hex', idOffset, idOffset + 16);
  idOffset += 16;
  return id;
}

/** encodeChannelMessage wraps a channel message from `node`; the frame text travels as the payload. */
export function encodeChannelMessage(node: string, message: BusMessage): Envelope {
  const headers = base(node, 'channel', message.id);
  if (message.except !== undefined) headers[HEADER.except] = message.except;
  if (message.traceparent !== undefined) headers[HEADER.traceparent] = message.traceparent;
  return { headers, payload: encoder.encode(message.frame) };
}

/**
 * encodeChannelBatch wraps several messages of one channel, in order, as one envelope: the payload is a JSON
 * array of `[frame, id, except, traceparent]` (empty strings for absent fields). Every message gets an id here.
 * The JetStream bus now stores bare batches (encodeBareBatch); this is the form earlier versions stored, which
 * decodeChannelMessages still reads from a stream they wrote.
 */
export function encodeChannelBatch(node: string, messages: BusMessage[]): Envelope {
  return { headers: base(node, 'batch'), payload: encoder.encode(JSON.stringify(messages.map(batchItem))) };
}

/** batchItem is one message of a batch: `[frame, id, except, traceparent]`, empty strings for absent fields. */
function batchItem(m: BusMessage): string[] {
  return [m.frame, m.id ?? newMessageId(), m.except ?? '', m.traceparent ?? ''];
}

/** BARE_MARK opens the payload of a bare batch: `["sockudo-batch",<version>,<node>,` then the items. */
const BARE_MARK = encoder.encode(`["sockudo-batch","${ENVELOPE_VERSION}",`);

/**
 * encodeBareBatch wraps one or more messages of one channel, in order, as an envelope without headers: the payload
 * is the JSON array `["sockudo-batch", version, node, [frame, id, except, traceparent], ...]`. Only the JetStream
 * stream stores it. why: the headers cost nats-server per stored message; raw acked stores with RePublish over
 * 100 subjects measured 13.3-17.0 us of server CPU with the three envelope headers, 9.3-11.3 us with none.
 * Receivers that predate it drop it (no version header), as they drop a batch.
 */
export function encodeBareBatch(node: string, messages: BusMessage[]): Envelope {
  const items: unknown[] = ['sockudo-batch', ENVELOPE_VERSION, node];
  for (const m of messages) items.push(batchItem(m));
  return { headers: {}, payload: encoder.encode(JSON.stringify(items)) };
}

/** isBare tells whether a payload is a bare batch of this envelope version (by its opening bytes). */
function isBare(payload: Uint8Array): boolean {
  if (payload.length < BARE_MARK.length) return false;
  for (let i = 0; i < BARE_MARK.length; i++) if (payload[i] !== BARE_MARK[i]) return false;
  return true;
}

/**
 * decodeChannelMessages reads a channel message, a batch or a bare batch as the list of its messages, in order;
 * undefined for another kind, an unknown version or a malformed batch.
 */
export function decodeChannelMessages(header: HeaderReader, payload: Uint8Array): BusMessage[] | undefined {
  const version = header(HEADER.version);
  if (version === undefined) return isBare(payload) ? decodeItems(payload, 3) : undefined;
  if (version !== ENVELOPE_VERSION) return undefined;
  const kind = header(HEADER.kind);
  if (kind === 'channel') {
    const message = decodeChannelMessage(header, payload);
    return message === undefined ? undefined : [message];
  }
  if (kind !== 'batch') return undefined;
  return decodeItems(payload, 0);
}

/** decodeItems reads a JSON array of `[frame, id, except, traceparent]` items from index `from` on. */
function decodeItems(payload: Uint8Array, from: number): BusMessage[] | undefined {
  let items: unknown;
  try {
    items = JSON.parse(decoder.decode(payload));
  } catch {
    return undefined;
  }
  if (!Array.isArray(items)) return undefined;
  const out: BusMessage[] = [];
  for (let i = from; i < items.length; i++) {
    const item: unknown = items[i];
    if (!Array.isArray(item) || !item.every((field) => typeof field === 'string')) return undefined;
    const [frame, id, except, traceparent] = item as string[];
    if (frame === undefined) return undefined;
    const message: BusMessage = { frame };
    if (id) message.id = id;
    if (except) message.except = except as SocketId;
    if (traceparent) message.traceparent = traceparent;
    out.push(message);
  }
  return out;
}

/** encodeControlMessage wraps a control message from `node` as JSON. */
export function encodeControlMessage(node: string, message: ControlMessage): Envelope {
  return { headers: base(node, 'control'), payload: encoder.encode(JSON.stringify(message)) };
}

/** HeaderReader reads one header of a received message (undefined when absent). */
export type HeaderReader = (name: string) => string | undefined;

/** decodeChannelMessage reads a channel message; undefined for another kind or an unknown version. */
export function decodeChannelMessage(header: HeaderReader, payload: Uint8Array): BusMessage | undefined {
  if (header(HEADER.version) !== ENVELOPE_VERSION || header(HEADER.kind) !== 'channel') return undefined;
  const message: BusMessage = { frame: decoder.decode(payload) };
  const id = header(HEADER.id);
  const except = header(HEADER.except);
  const traceparent = header(HEADER.traceparent);
  if (id) message.id = id;
  if (except) message.except = except as SocketId;
  if (traceparent) message.traceparent = traceparent;
  return message;
}

/** decodeControlMessage reads a control message; undefined for another kind, version or bad JSON. */
export function decodeControlMessage(header: HeaderReader, payload: Uint8Array): ControlMessage | undefined {
  if (header(HEADER.version) !== ENVELOPE_VERSION || header(HEADER.kind) !== 'control') return undefined;
  try {
    const message = JSON.parse(decoder.decode(payload)) as ControlMessage;
    return typeof message === 'object' && message !== null && typeof message.type === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

function base(node: string, kind: EnvelopeKind, id?: string): Record<string, string> {
  return { [HEADER.version]: ENVELOPE_VERSION, [HEADER.node]: node, [HEADER.kind]: kind, [HEADER.id]: id ?? newMessageId() };
}

/**
 * packEnvelope writes an envelope as one byte string for transports without message headers (Redis pub/sub):
 * the headers as a JSON object, a newline, then the payload. JSON text never holds a raw newline, so the
 * first newline always ends the headers, whatever bytes the payload carries.
 */
export function packEnvelope(envelope: Envelope): Buffer {
  return Buffer.concat([Buffer.from(JSON.stringify(envelope.headers) + '\n', 'utf8'), envelope.payload]);
}

/** UnpackedEnvelope is a packed envelope read back: a header reader and the payload bytes. */
export interface UnpackedEnvelope {
  header: HeaderReader;
  payload: Uint8Array;
}

/** unpackEnvelope reads what packEnvelope wrote; undefined for bytes that are not a packed envelope. */
export function unpackEnvelope(bytes: Buffer): UnpackedEnvelope | undefined {
  const end = bytes.indexOf(0x0a);
  if (end < 0) return undefined;
  let headers: unknown;
  try {
    headers = JSON.parse(bytes.subarray(0, end).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof headers !== 'object' || headers === null) return undefined;
  const fields = headers as Record<string, unknown>;
  return {
    header: (name) => (typeof fields[name] === 'string' ? (fields[name] as string) : undefined),
    payload: bytes.subarray(end + 1),
  };
}
