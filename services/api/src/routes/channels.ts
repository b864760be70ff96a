import {
  asChannelName,
  badRequest,
  cacheKey,
  channelNameProblem,
  isCacheChannel,
  isPresenceChannel,
  type App,
  type ChannelName,
} from '@sockudo-ts/shared';
import { parseInfo } from '../publish.js';
import type { RouteModule } from './route.js';

/**
 * channelsRoutes mounts the channel reads: `GET /channels` (occupied channels, by prefix), `GET
 * /channels/:channel` (occupied, counts, cached event) and `GET /channels/:channel/users` (presence
 * members). Counts are cluster-wide (the presence port); an `info` attribute that does not apply is 400.
 */
export const channelsRoutes: RouteModule = (router, { presence, cache }) => {
  router.get('/channels', 'channels', async ({ app, query }) => {
    const prefix = query.get('filter_by_prefix') ?? '';
    const info = parseInfo(query.get('info'));
    if (info.has('user_count') && !prefix.startsWith('presence-')) {
      throw badRequest('info=user_count needs filter_by_prefix=presence- (it applies to presence channels only)');
    }
    const all = await presence.channels(app.id);
    const channels: Record<string, Record<string, number>> = Object.create(null) as Record<string, Record<string, number>>; // why: a channel may be named __proto__
    for (const [name, counts] of all) {
      if (!name.startsWith(prefix) || counts.subscriptionCount === 0) continue;
      const entry: Record<string, number> = {};
      if (info.has('user_count')) entry.user_count = counts.userCount;
      if (info.has('subscription_count')) entry.subscription_count = counts.subscriptionCount;
      channels[name] = entry;
    }
    return { channels };
  });

  router.get('/channels/:channel', 'channel', async ({ app, query, params }) => {
    const channel = checkChannel(app, params.channel!);
    const info = parseInfo(query.get('info'));
    if (info.has('user_count') && !isPresenceChannel(channel)) throw badRequest('info=user_count applies to presence channels only');
    if (info.has('cache') && !isCacheChannel(channel)) throw badRequest('info=cache applies to cache channels only');
    const counts = await presence.counts(app.id, channel);
    const out: Record<string, unknown> = { occupied: counts.subscriptionCount > 0 };
    if (info.has('user_count')) out.user_count = counts.userCount;
    if (info.has('subscription_count')) out.subscription_count = counts.subscriptionCount;
    if (info.has('cache')) {
      const cached = await cache.get(cacheKey(app.id, channel));
      if (cached !== undefined) {
        const frame = JSON.parse(cached.value) as { data?: string };
        out.cache = { data: frame.data ?? '', ttl: cached.ttlSeconds };
      }
    }
    return out;
  });

  router.get('/channels/:channel/users', 'channel_users', async ({ app, params }) => {
    const channel = checkChannel(app, params.channel!);
    if (!isPresenceChannel(channel)) throw badRequest('Users can only be listed for presence channels');
    const members = await presence.members(app.id, channel);
    return { users: members.map((m) => ({ id: m.id })) };
  });
};

/** checkChannel validates a channel name from the path (400 naming the problem). */
function checkChannel(app: App, channel: string): ChannelName {
  const problem = channelNameProblem(channel, app.max_channel_name_length);
  if (problem !== undefined) throw badRequest(`channel: ${problem}`);
  return asChannelName(channel);
}
