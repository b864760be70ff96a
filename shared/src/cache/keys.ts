import type { AppId, ChannelName } from '../ids.js';

/** cacheKey is where a cache channel's last event frame is kept. */
export function cacheKey(appId: AppId, channel: ChannelName): string {
  return `cache:${appId}:${channel}`;
}

/** cacheMissKey marks that a cache_miss webhook was sent for a channel with nothing cached. */
export function cacheMissKey(appId: AppId, channel: ChannelName): string {
  return `cache_miss:${appId}:${channel}`;
}
