import { asChannelName, badRequest, channelNameProblem, HistoryQueryError, notFound, type HistoryDirection, type HistoryQuery } from '@sockudo-ts/shared';
import type { Query } from '../middleware/query.js';
import type { RouteModule } from './route.js';

const BOUNDS = ['start_serial', 'end_serial', 'start_time_ms', 'end_time_ms'] as const;

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
      return await history.read(app.id, asChannelName(params.channel!), historyQuery(query));
    } catch (err) {
      if (err instanceof HistoryQueryError) throw badRequest(err.message);
      throw err;
    }
  });
};

/** historyQuery reads the history parameters of a request's query (400 for one that is not a number where one is due). */
export function historyQuery(query: Query): HistoryQuery {
  const out: HistoryQuery = {};
  const limit = query.get('limit');
  if (limit !== undefined) out.limit = integer('limit', limit);
  const direction = query.get('direction');
  if (direction !== undefined) {
    if (direction !== 'newest_first' && direction !== 'oldest_first') throw badRequest('direction must be newest_first or oldest_first');
    out.direction = direction as HistoryDirection;
  }
  const cursor = query.get('cursor');
  if (cursor !== undefined && cursor !== '') out.cursor = cursor;
  const streamId = query.get('stream_id');
  if (streamId !== undefined && streamId !== '') out.stream_id = streamId;
  for (const key of BOUNDS) {
    const value = query.get(key);
    if (value !== undefined) out[key] = integer(key, value);
  }
  return out;
}

function integer(key: string, value: string): number {
  if (!/^\d{1,16}$/.test(value)) throw badRequest(`${key} must be a non-negative integer`);
  return Number(value);
}
