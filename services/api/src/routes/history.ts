import { asChannelName, badRequest, channelNameProblem, HistoryQueryError, historyQueryOf, notFound } from '@sockudo-ts/shared';
import type { RouteModule } from './route.js';

/**
 * historyRoutes mounts `GET /channels/:channel/history`: one page of a channel's stored events with `limit`
 * (default 100, at most 1000), `direction` (`newest_first` | `oldest_first`), `cursor` (the previous page's
 * `next_cursor`), `stream_id` (a stream of the channel other than its newest) and inclusive `start_serial` /
 * `end_serial` / `start_time_ms` / `end_time_ms` bounds. A process
 * without a history store (`[history]` off) answers 404.
 */
export const historyRoutes: RouteModule = (router, { history }) => {
  router.get('/channels/:channel/history', 'channel_history', async ({ app, query, params }) => {
    if (history === undefined) throw notFound('Channel history is not served by this process (enable [history])');
    const problem = channelNameProblem(params.channel!, app.max_channel_name_length);
    if (problem !== undefined) throw badRequest(`channel: ${problem}`);
    try {
      return await history.read(app.id, asChannelName(params.channel!), historyQueryOf((name) => query.get(name)));
    } catch (err) {
      if (err instanceof HistoryQueryError) throw badRequest(err.message);
      throw err;
    }
  });
};
