/** cacheKey is where a cache channel's last event frame is kept. */
export function cacheKey(appId: string, channel: string): string {
  return `cache:${appId}:${channel}`;
}

/** cacheMissKey marks that a cache_miss webhook was sent for a channel with nothing cached. */
export function cacheMissKey(appId: string, channel: string): string {
  return `cache_miss:${appId}:${channel}`;
}
