import { describe, expect, it } from 'vitest';
import { natsAuthOptions } from '@sockudo-ts/shared/implementations';

describe('natsAuthOptions', () => {
  it('leaves everything out when nothing is configured', () => {
    expect(natsAuthOptions({ username: '', password: '', token: '', nkeySeed: '', credsFile: '', tls: { caFile: '', certFile: '', keyFile: '' } })).toEqual({});
  });

  it('passes user and password, a token, and TLS files as nats.js options', () => {
    expect(natsAuthOptions({ username: 'u', password: 'p' })).toEqual({ user: 'u', pass: 'p' });
    expect(natsAuthOptions({ token: 't' })).toEqual({ token: 't' });
    expect(natsAuthOptions({ tls: { caFile: '/ca.pem' } })).toEqual({ tls: { caFile: '/ca.pem' } });
    expect(natsAuthOptions({ tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' } })).toEqual({ tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' } });
  });

  it('signs with an NKey seed through an authenticator', () => {
    const options = natsAuthOptions({ nkeySeed: 'SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU' });
    expect(typeof options.authenticator).toBe('function');
  });
});
