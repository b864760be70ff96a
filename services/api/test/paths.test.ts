import { describe, expect, it } from 'vitest';
import { HttpError } from '@sockudo-ts/shared';
import { appSegmentOf, decodeSegment, routablePath, routePathOf } from '../src/paths.js';

describe('paths of the HTTP API', () => {
  it('splits /apps/{id}/route as sent', () => {
    expect(appSegmentOf('/apps/app%2D1/channels/x')).toBe('app%2D1');
    expect(appSegmentOf('/apps/app-1')).toBe('app-1');
    expect(routePathOf('/apps/app-1/channels/x')).toBe('/channels/x');
    expect(routePathOf('/apps/app-1')).toBe('/');
    expect(routePathOf('/apps/app-1/')).toBe('/');
  });

  it('hands the router a path whose segments decode back to exactly what was sent', () => {
    expect(routablePath('/apps/1/events')).toBe('/apps/1/events');
    for (const segment of ['%ZZ', 'a%2Fb', '#server-to-user-1', 'a b', 'x\u00a0y', '%E2%82%AC']) {
      const path = routablePath(`/apps/1/channels/${segment}`);
      expect(path).not.toMatch(/[#\s\u00a0]/);
      expect(decodeURIComponent(path.slice('/apps/1/channels/'.length))).toBe(segment);
    }
  });

  it('decodes a segment, and refuses a bad escape with 400', () => {
    expect(decodeSegment('private-a%3Bb')).toBe('private-a;b');
    expect(() => decodeSegment('%ZZ')).toThrow(HttpError);
    expect(() => decodeSegment('%ZZ')).toThrow('Path is not valid URL encoding');
  });
});
