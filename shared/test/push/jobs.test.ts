import { describe, expect, it } from 'vitest';
import { asAppId, isPushJob, newPublishId, platformExpiry, publishTargetProblem, type PublishJob } from '@sockudo-ts/shared';

const publish = (extra: Partial<PublishJob> = {}): PublishJob =>
  ({ v: 1, kind: 'publish', app_id: asAppId('a'), publish_id: newPublishId(), interests: ['news'], notification: { web: {} }, created_at: 1_000_000, expires_at: 4_600_000, ...extra }) as PublishJob;

describe('push jobs', () => {
  it('mints publish ids in Pusher Beams\' format', () => {
    expect(newPublishId()).toMatch(/^pubid-[0-9a-f-]{36}$/);
    expect(newPublishId()).not.toBe(newPublishId());
  });

  it('accepts 1-100 valid interests or 1-1000 users, never both, never none', () => {
    expect(publishTargetProblem({ interests: ['a', 'b-c=d@e,f.g;h_i'] })).toBeUndefined();
    expect(publishTargetProblem({ users: ['u1'] })).toBeUndefined();
    expect(publishTargetProblem({})).toBe('a publish needs interests or users');
    expect(publishTargetProblem({ interests: ['a'], users: ['u'] })).toBe('a publish targets interests or users, not both');
    expect(publishTargetProblem({ interests: [] })).toBe('interests must be a non-empty array');
    expect(publishTargetProblem({ interests: Array.from({ length: 101 }, (_, i) => `i${i}`) })).toBe('a publish targets at most 100 interests');
    expect(publishTargetProblem({ users: Array.from({ length: 1001 }, (_, i) => `u${i}`) })).toBe('a publish targets at most 1000 users');
    expect(publishTargetProblem({ interests: ['has space'] })).toContain('forbidden character');
    expect(publishTargetProblem({ users: ['x'.repeat(165)] })).toBe('a user id is at most 164 characters');
  });

  it('reads back only jobs of a known shape and version', () => {
    expect(isPushJob(publish())).toBe(true);
    expect(isPushJob({ ...publish(), v: 2 })).toBe(false);
    expect(isPushJob({ ...publish(), interests: undefined })).toBe(false);
    expect(isPushJob({ v: 1, kind: 'deliver', app_id: 'a', publish_id: 'p', platform: 'apns', device_ids: ['d'], notification: {}, expires_at: 1, attempt: 1 })).toBe(true);
    expect(isPushJob({ v: 1, kind: 'deliver', app_id: 'a', publish_id: 'p', platform: 'sms', device_ids: ['d'], notification: {}, expires_at: 1, attempt: 1 })).toBe(false);
    expect(isPushJob(null)).toBe(false);
  });

  it('expires each platform\'s part at its own expiration or TTL, else at the publish\'s', () => {
    const job = publish({ notification: { apns: { aps: {}, expiration: 2000 }, fcm: { time_to_live: 60 }, web: {} } });
    expect(platformExpiry(job, 'apns')).toBe(2_000_000);
    expect(platformExpiry(job, 'fcm')).toBe(1_060_000);
    expect(platformExpiry(job, 'web')).toBe(4_600_000);
    expect(platformExpiry(publish({ notification: { apns: { aps: {}, expiration: 0 } } }), 'apns')).toBe(4_600_000);
  });
});
