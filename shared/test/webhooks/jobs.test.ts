import { describe, expect, it } from 'vitest';
import { APP_DEFAULTS, asAppId, asChannelName, asUserId, deliverJobs, endpointWants, heldJobId, isWebhookJob, type App, type WebhookConfig } from '@sockudo-ts/shared';

const endpoint = (fields: Partial<WebhookConfig>): WebhookConfig => ({ url: 'http://hooks.test/x', event_types: ['channel_occupied'], ...fields });
const presenceC = asChannelName('presence-c');
const occupied = (channel: string) => ({ name: 'channel_occupied' as const, channel: asChannelName(channel) });

describe('endpointWants', () => {
  it('takes only the event types the endpoint lists', () => {
    expect(endpointWants(endpoint({}), occupied('a'))).toBe(true);
    expect(endpointWants(endpoint({}), { name: 'channel_vacated', channel: asChannelName('a') })).toBe(false);
  });

  it('applies prefix, suffix and pattern together, anchored as written', () => {
    const e = endpoint({ filter: { channel_prefix: 'private-', channel_suffix: '-7', channel_pattern: '^private-[a-z]+-[0-9]+$' } });
    expect(endpointWants(e, occupied('private-room-7'))).toBe(true);
    expect(endpointWants(e, occupied('xprivate-room-7'))).toBe(false);
    expect(endpointWants(e, occupied('private-room-8'))).toBe(false);
    expect(endpointWants(e, occupied('private-ROOM-7'))).toBe(false);
    expect(endpointWants(endpoint({ filter: { channel_prefix: '' } }), occupied('any'))).toBe(true);
  });
});

describe('heldJobId', () => {
  it('pairs vacated with occupied and removed with added, per app, channel and user, without colons', () => {
    const vacated = heldJobId('app:1', { name: 'channel_vacated', channel: asChannelName('c') });
    expect(vacated).toBe(heldJobId('app:1', occupied('c')));
    expect(vacated).not.toBe(heldJobId('app:2', occupied('c')));
    expect(vacated).not.toContain(':');
    const removed = heldJobId('a', { name: 'member_removed', channel: presenceC, user_id: asUserId('u1') });
    expect(removed).toBe(heldJobId('a', { name: 'member_added', channel: presenceC, user_id: asUserId('u1') }));
    expect(removed).not.toBe(heldJobId('a', { name: 'member_added', channel: presenceC, user_id: asUserId('u2') }));
    expect(heldJobId('a', { name: 'cache_miss', channel: asChannelName('c') })).toBeUndefined();
  });
});

describe('deliverJobs', () => {
  it('makes one versioned job per endpoint that wants the event, with that endpoint only', () => {
    const app: App = {
      ...APP_DEFAULTS,
      id: asAppId('a1'),
      key: 'k',
      secret: 's3cr3t',
      webhooks: [
        endpoint({ url: 'http://one.test/', headers: { 'X-A': '1' } }),
        endpoint({ url: 'http://two.test/', filter: { channel_prefix: 'orders-' } }),
      ],
    };
    const jobs = deliverJobs(app, occupied('misc'));
    expect(jobs).toEqual([{ v: 1, kind: 'deliver', app_id: 'a1', url: 'http://one.test/', headers: { 'X-A': '1' }, event: occupied('misc') }]);
    expect(deliverJobs(app, occupied('orders-1')).map((j) => j.url)).toEqual(['http://one.test/', 'http://two.test/']);
    expect(JSON.stringify(jobs)).not.toContain('s3cr3t');
    expect(isWebhookJob(JSON.parse(JSON.stringify(jobs[0])))).toBe(true);
    expect(isWebhookJob({ ...jobs[0], v: 2 })).toBe(false);
  });
});
