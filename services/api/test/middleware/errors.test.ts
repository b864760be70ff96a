import { describe, expect, it } from 'vitest';
import { DependencyUnavailable, HttpError, payloadTooLarge } from '@sockudo-ts/shared';
import { httpErrorOf } from '../../src/middleware/errors.js';

describe('httpErrorOf: what a failed request is answered with', () => {
  it('answers an HttpError as it is, headers included', () => {
    const e = new HttpError(405, 'method_not_allowed', 'Use POST for /events', { Allow: 'POST' });
    expect(httpErrorOf(e)).toBe(e);
    expect(httpErrorOf(payloadTooLarge('too big'))?.status).toBe(413);
  });

  it('answers an unreachable dependency with 503 and its message', () => {
    const e = httpErrorOf(new DependencyUnavailable('presence', 'presence service unreachable'));
    expect(e?.status).toBe(503);
    expect(e?.message).toBe('presence service unreachable');
  });

  it('leaves anything else to the 500 answer, which never carries its message', () => {
    expect(httpErrorOf(new Error('secret detail'))).toBeUndefined();
    expect(httpErrorOf('a string')).toBeUndefined();
  });
});
