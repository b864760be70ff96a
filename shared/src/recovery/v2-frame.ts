/**
 * withPosition turns an event's V1 frame text into its V2 form: the same object with top-level `serial`,
 * `stream_id` and `message_id` (Sockudo's V2 wire format). The V1 text is a JSON object written by encodeEvent,
 * so the fields are spliced before its closing brace without parsing it.
 */
export function withPosition(frame: string, serial: number, streamId: string, messageId: string): string {
  return `${frame.slice(0, -1)},"serial":${serial},"stream_id":${JSON.stringify(streamId)},"message_id":${JSON.stringify(messageId)}}`;
}

const V1_EVENT = '{"event":"pusher:';
const V1_INTERNAL = '{"event":"pusher_internal:';

/**
 * hasV1Prefix tells whether a frame's event is a protocol event (`pusher:*` / `pusher_internal:*`), which a native
 * V2 socket (`?protocol=2`) receives as `sockudo:*` / `sockudo_internal:*`.
 */
export function hasV1Prefix(frame: string): boolean {
  return frame.startsWith('{"event":"pusher');
}

/** toV2Prefix renames a frame's `pusher:` / `pusher_internal:` event to Sockudo's V2 `sockudo:` / `sockudo_internal:`. */
export function toV2Prefix(frame: string): string {
  if (frame.startsWith(V1_EVENT)) return '{"event":"sockudo:' + frame.slice(V1_EVENT.length);
  if (frame.startsWith(V1_INTERNAL)) return '{"event":"sockudo_internal:' + frame.slice(V1_INTERNAL.length);
  return frame;
}
