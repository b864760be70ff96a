import { describe, expect, it } from 'vitest';
import { PusherError } from '@sockudo-ts/shared';
import { parseHandshake } from '../src/handshake.js';

/** codeOf returns the refusal code parseHandshake throws for a URL, or 0 when it accepts it. */
function codeOf(url: string): number {
  try {
    parseHandshake(url);
    return 0;
  } catch (err) {
    if (err instanceof PusherError) return err.code;
    throw err;
  }
}

describe('parseHandshake', () => {
  it('returns the decoded key and protocol', () => {
    expect(parseHandshake('/app/my%20key?protocol=7&client=js')).toEqual({ appKey: 'my key', protocol: 7 });
    expect(parseHandshake('/app/k/?protocol=5')).toEqual({ appKey: 'k', protocol: 5 });
    expect(parseHandshake('/app/k?protocol=2')).toEqual({ appKey: 'k', protocol: 2 });
  });

  it('maps every bad URL to its PROTOCOL.md §1 code', () => {
    expect(codeOf('/apps/k?protocol=7')).toBe(4005);
    expect(codeOf('/app/?protocol=7')).toBe(4005);
    expect(codeOf('/app/k/x?protocol=7')).toBe(4005);
    expect(codeOf('/app/%E0%A4%A?protocol=7')).toBe(4005);
    expect(codeOf('/app/k')).toBe(4008);
    expect(codeOf('/app/k?protocol=')).toBe(4008);
    expect(codeOf('/app/k?protocol=x')).toBe(4006);
    expect(codeOf('/app/k?protocol=-7')).toBe(4006);
    expect(codeOf('/app/k?protocol=7.0')).toBe(4006);
    expect(codeOf('/app/k?protocol=4')).toBe(4007);
    expect(codeOf('/app/k?protocol=1')).toBe(4007);
    expect(codeOf('/app/k?protocol=3')).toBe(4007);
    expect(codeOf('/app/k?protocol=8')).toBe(4007);
  });
});
