import { describe, expect, it } from 'vitest';
import { channelSubject, decodeToken, encodeToken } from '../../src/bus/subjects.js';

describe('subject tokens', () => {
  it('encode channel names reversibly into one valid token', () => {
    for (const name of ['a.b', 'presence-x.y.z', '#server-to-user-7', 'a=b', '=2E', 'x@y,z;w', 'ünï', '', 'a b*>']) {
      const token = encodeToken(name);
      expect(token).toMatch(/^[^.*>\s]+$/);
      expect(decodeToken(token)).toBe(name);
    }
  });

  it('gives distinct names distinct subjects', () => {
    expect(channelSubject('p', 'app', 'a.b')).not.toBe(channelSubject('p', 'app', 'a=2Eb'));
    expect(channelSubject('p', 'app', 'a.b')).toBe('p.ch.app.a=2Eb');
  });
});
