import { describe, expect, it } from 'vitest';
import { apnsBody, notificationProblem, payloadBytes, webBody } from '@sockudo-ts/shared';

describe('push notifications', () => {
  it('builds the exact APNs and Web Push bodies', () => {
    expect(apnsBody({ aps: { alert: 'hi' } })).toBe('{"aps":{"alert":"hi"}}');
    expect(apnsBody({ aps: { badge: 1 }, data: { k: 'v' }, priority: 5 })).toBe('{"aps":{"badge":1},"data":{"k":"v"}}');
    expect(webBody({ notification: { title: 't' }, data: { k: 1 }, time_to_live: 5 })).toBe('{"notification":{"title":"t"},"data":{"k":1}}');
    expect(webBody({})).toBe('{"notification":{}}');
  });

  it('accepts a well-formed notification and names what is wrong with a bad one', () => {
    expect(notificationProblem({ apns: { aps: { alert: 'x' } }, fcm: { notification: { title: 't' }, priority: 'high' }, web: { urgency: 'low', topic: 'abc' } })).toBeUndefined();
    const problem = (n: unknown): string | undefined => notificationProblem(n)?.message;
    expect(problem({})).toBe('a publish needs at least one of apns, fcm, web');
    expect(problem({ apns: { alert: 'x' } })).toBe('apns.aps must be an object');
    expect(problem({ apns: { aps: {}, priority: 7 } })).toBe('apns.priority must be 1, 5 or 10');
    expect(problem({ apns: { aps: {}, push_type: 'sms' } })).toContain('apns.push_type must be one of alert');
    expect(problem({ apns: { aps: {}, collapse_id: 'x'.repeat(65) } })).toBe('apns.collapse_id must be a string of at most 64 bytes');
    expect(problem({ fcm: { time_to_live: -1 } })).toBe('fcm.time_to_live must be whole seconds from 0 to 2419200');
    expect(problem({ fcm: { priority: 'urgent' } })).toBe('fcm.priority must be normal or high');
    expect(problem({ web: { urgency: 'now' } })).toBe('web.urgency must be very-low, low, normal or high');
    expect(problem({ web: { topic: 'has space' } })).toBe('web.topic must be 1-32 base64url characters');
    expect(notificationProblem({ web: {} })).toBeUndefined();
  });

  it('refuses parts over their provider\'s limit as too large, counting bytes, not characters', () => {
    expect(notificationProblem({ apns: { aps: { alert: 'é'.repeat(2040) } } })).toEqual({ tooLarge: true, message: 'the apns payload is 4100 bytes; the limit is 4096' });
    expect(notificationProblem({ apns: { aps: { alert: 'é'.repeat(2040) }, push_type: 'voip' } })).toBeUndefined();
    expect(notificationProblem({ fcm: { data: { k: 'x'.repeat(4080) } } })?.tooLarge).toBe(true);
    expect(notificationProblem({ web: { data: { k: 'x'.repeat(3970) } } })).toEqual({ tooLarge: true, message: 'the web payload is 4005 bytes; the limit is 3993' });
    expect(payloadBytes('web', { apns: { aps: {} } })).toBe(0);
  });
});
