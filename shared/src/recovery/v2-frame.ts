/**
 * withPosition turns an event's V1 frame text into its V2 form: the same object with top-level `serial`,
 * `stream_id` and `message_id` (Sockudo's V2 wire format). The V1 text is a JSON object written by encodeEvent,
 * so the fields are spliced before its closing brace without parsing it.
 */
export function withPosition(frame: string, serial: number, streamId: string, messageId: string): string {
  return `${frame.slice(0, -1)},"serial":${serial},"stream_id":${JSON.stringify(streamId)},"message_id":${JSON.stringify(messageId)}}`;
}
