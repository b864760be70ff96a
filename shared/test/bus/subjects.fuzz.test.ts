import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channelNameProblem } from '@sockudo-ts/shared';
import { channelSubject, decodeToken, encodeToken } from '@sockudo-ts/shared/implementations';
import { FUZZ } from '../fuzz.js';

// Any valid channel name, including the free-form user ids of #server-to-user- channels.
const channel = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_\-=@,.;]{1,200}$/),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).map((id) => `#server-to-user-${id}`),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).map((id) => `#server-to-user-${id}`),
).filter((name) => channelNameProblem(name, 200) === undefined);

describe('bus subjects under random names', () => {
  it('encode every valid channel name into one valid NATS token that decodes back to it', () => {
    fc.assert(
      fc.property(channel, (name) => {
        const token = encodeToken(name);
        expect(token).toMatch(/^[^.*>\s]+$/);
        expect(decodeToken(token)).toBe(name);
      }),
      FUZZ,
    );
  });

  it('give two different valid channels two different subjects', () => {
    fc.assert(
      fc.property(channel, channel, fc.string({ minLength: 1 }), (a, b, app) => {
        fc.pre(a !== b);
        expect(channelSubject('p', app, a)).not.toBe(channelSubject('p', app, b));
      }),
      FUZZ,
    );
  });
});
