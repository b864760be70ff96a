import { setting } from '../setting.js';

/** CHANNELS are the channel keys shared by publishers and presence: cache channels and subscription_count. */
export const CHANNELS = {
  channel_limits: {
    cache_ttl: setting.int(1800, { env: ['CHANNEL_LIMITS_CACHE_TTL'], min: 1, unit: 's', doc: 'Seconds a cache channel keeps its last event.' }),
  },
  subscription_count: {
    throttle_ms: setting.int(5000, { env: ['SUBSCRIPTION_COUNT_THROTTLE_MS'], min: 0, unit: 'ms', doc: 'Minimum interval of subscription_count events on channels above 100 subscribers.' }),
  },
} as const;
