import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeEvent, frameData, memberEventOf, parseClientFrame } from '@sockudo-ts/shared';
import { FUZZ } from '../fuzz.js';

describe('frame parsing under random input', () => {
  it('never throws on any text, and accepts only objects with a string event and an optional string channel', () => {
    const text = fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(text, (t) => {
        const frame = parseClientFrame(t);
        if (frame === undefined) return;
        expect(typeof frame.event).toBe('string');
        expect(frame.channel === undefined || typeof frame.channel === 'string').toBe(true);
        const data = frameData(frame);
        expect(data === undefined || (typeof data === 'object' && data !== null && !Array.isArray(data))).toBe(true);
      }),
      FUZZ,
    );
  });

  it('reads back every frame the server encodes, whatever the strings in it', () => {
    fc.assert(
      fc.property(fc.string(), fc.option(fc.string(), { nil: undefined }), fc.string(), fc.option(fc.string(), { nil: undefined }), (event, channel, data, userId) => {
        const parsed = JSON.parse(encodeEvent(event, channel, data, userId)) as Record<string, unknown>;
        expect(parsed).toEqual({ event, ...(channel === undefined ? {} : { channel }), data, ...(userId === undefined ? {} : { user_id: userId }) });
        expect(parseClientFrame(encodeEvent(event, channel, data))).toMatchObject({ event });
      }),
      FUZZ,
    );
  });

  it('writes every frame byte for byte as JSON.stringify writes its strings', () => {
    // Short and long strings, plain and with what JSON escapes (controls, quotes, backslashes, lone surrogates).
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'binary', minLength: 250, maxLength: 300 }), fc.string({ unit: fc.constantFrom('a', '"', '\\', '\n', '\u001f', '\ud83d', '\ude00', '\u00e9', '\u2028') }));
    const expected = (e: string, c: string | undefined, d: string, u: string | undefined): string =>
      `{"event":${JSON.stringify(e)}${c === undefined ? '' : `,"channel":${JSON.stringify(c)}`},"data":${JSON.stringify(d)}${u === undefined ? '' : `,"user_id":${JSON.stringify(u)}`}}`;
    fc.assert(
      fc.property(text, fc.option(text, { nil: undefined }), text, fc.option(text, { nil: undefined }), (event, channel, data, userId) => {
        expect(encodeEvent(event, channel, data, userId)).toBe(expected(event, channel, data, userId));
      }),
      FUZZ,
    );
    expect(encodeEvent('a', 'b', 'x'.repeat(256))).toBe(expected('a', 'b', 'x'.repeat(256), undefined));
    expect(encodeEvent('a', 'b', `${'x'.repeat(256)}"`)).toBe(expected('a', 'b', `${'x'.repeat(256)}"`, undefined));
  });

  it('finds the member change in member frames and nothing in any other frame', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.string(), fc.jsonValue(), fc.string(), (added, userId, info, other) => {
        const event = added ? 'pusher_internal:member_added' : 'pusher_internal:member_removed';
        const frame = encodeEvent(event, 'presence-x', JSON.stringify({ user_id: userId, user_info: info }));
        expect(memberEventOf(frame)).toEqual({ added, userId });
        const notMember = encodeEvent(`x${other}`, 'presence-x', JSON.stringify({ user_id: userId, note: 'pusher_internal:member_added' }));
        expect(memberEventOf(notMember)).toBeUndefined();
      }),
      FUZZ,
    );
  });
});
