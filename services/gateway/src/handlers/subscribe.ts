import {
  CloseCode,
  DependencyUnavailable,
  asChannelName,
  asUserId,
  channelAuthString,
  channelNameProblem,
  channelType,
  encodeInternal,
  frameData,
  memberEventOf,
  needsAuth,
  serverToUserId,
  verifyAuth,
  type ChannelName,
  type ClientFrame,
  type Member,
  type ReadAfter,
  type RewindRead,
  type SubscribeResult,
} from '@sockudo-ts/shared';
import type { GatewayContext } from '../context.js';
import type { Connection } from '../connection.js';
import type { Written } from '../local-channels.js';
import { MAX_REWIND, answerResume, resumeOnSubscribe, rewindOf } from './recovery.js';

/** MAX_PRESENCE_RESUBSCRIBES is how often one socket may re-subscribe to presence channels it is on (each re-sends the member list). */
export const MAX_PRESENCE_RESUBSCRIBES = 10;

/**
 * handleSubscribe runs `pusher:subscribe` for every channel kind (PROTOCOL.md §4). Every subscribe gets
 * exactly one answer: `subscription_succeeded`, `subscription_error` or a `pusher:error` on the channel
 * (or, when a dependency fails in a way it cannot recover from here, the gateway's pusher:error).
 */
export async function handleSubscribe(ctx: GatewayContext, conn: Connection, frame: ClientFrame): Promise<void> {
  const { app } = conn;
  const data = frameData(frame);
  const raw = data?.channel;
  const problem = channelNameProblem(raw, app.max_channel_name_length);
  if (problem !== undefined || typeof raw !== 'string') {
    conn.sendError(CloseCode.ChannelError, problem ?? 'pusher:subscribe needs data.channel', typeof raw === 'string' ? raw : undefined);
    return;
  }
  const channel = asChannelName(raw);
  const existing = conn.subscription(channel);
  if (existing !== undefined) {
    // why: each presence re-subscribe reads and sends the whole member list (up to 100 members of 1 KB); a
    // socket repeating it would turn one small frame into ~100 KB of reads and writes, over and over.
    if (existing.member && !conn.takeResubscribe(MAX_PRESENCE_RESUBSCRIBES)) {
      ctx.limited('presence_resubscribe');
      conn.sendError(CloseCode.ChannelError, `Already subscribed to ${channel}; re-subscribing to a presence channel is limited to ${MAX_PRESENCE_RESUBSCRIBES} times per connection`, channel);
      return;
    }
    // why: frames are handled one at a time, so an existing subscription is always a confirmed one.
    const members = existing.member ? await ctx.presence.members(app.id, channel) : undefined;
    conn.send(encodeInternal('pusher_internal:subscription_succeeded', presenceData(members), channel));
    return;
  }
  const cap = app.max_subscriptions_per_connection;
  if (cap > 0 && conn.subscriptionCount >= cap) {
    ctx.limited('subscriptions');
    conn.sendError(CloseCode.ChannelError, `Subscription limit reached: at most ${cap} channels per connection; unsubscribe from one first`, channel);
    return;
  }
  const type = channelType(channel);
  let member: Member | undefined;
  if (type.kind === 'server-to-user') {
    if (conn.userId === undefined || conn.userId !== serverToUserId(channel)) {
      authError(conn, channel, 'Only the socket signed in as this user may subscribe to its server-to-user channel');
      return;
    }
  } else if (needsAuth(type.kind)) {
    const channelData = typeof data!.channel_data === 'string' ? data!.channel_data : undefined;
    if (!verifyAuth(data!.auth, app.key, app.secret, channelAuthString(conn.id, channel, channelData))) {
      authError(conn, channel, `Invalid signature: expected HMAC SHA256 hex digest of ${conn.id}:${channel}${channelData === undefined ? '' : ':<channel_data>'}`);
      return;
    }
    if (type.kind === 'presence') {
      const parsed = presenceMember(conn, channelData);
      if (typeof parsed === 'string') {
        conn.sendError(CloseCode.ChannelError, parsed, channel);
        return;
      }
      member = parsed;
    }
    conn.authorize();
  }

  const result = await join(ctx, conn, channel, member);
  if (result === undefined) return;
  conn.confirmSubscription(channel);
  conn.send(encodeInternal('pusher_internal:subscription_succeeded', presenceData(result.members), channel));
  const keep = result.members === undefined ? undefined : knownMembersFilter(result.members);
  const armed = conn.isV2 ? conn.takeArmedResume(channel) : undefined;
  const rewind = conn.isV2 && armed === undefined ? rewindOf(data!.rewind, MAX_REWIND) : undefined;
  let replay: string | undefined;
  let resumed: ReadAfter | undefined;
  let rewound: RewindRead | undefined;
  let written: Written = { history: 0, live: 0 };
  try {
    if (armed !== undefined) resumed = await resumeOnSubscribe(ctx, conn, channel, armed);
    else if (rewind !== undefined && ctx.recovery?.enabled(app.id) === true) rewound = await ctx.recovery.reader.rewind(app.id, channel, rewind);
    else replay = type.cache ? await cachedEvent(ctx, conn, channel) : undefined;
  } finally {
    // why: even when a read fails the socket is subscribed; it must get the channel's frames.
    const history = resumed?.ok ? { streamId: resumed.streamId, messages: resumed.messages } : rewound?.streamId !== undefined ? { streamId: rewound.streamId, messages: rewound.messages } : undefined;
    written = ctx.channels.activate(app.id, channel, conn, history === undefined ? { replay, keep } : { keep, history });
  }
  if (armed !== undefined && resumed !== undefined) answerResume(ctx, conn, channel, resumed, armed, written);
  if (rewind !== undefined) {
    ctx.recoveryMetrics.recoveredMessages.inc(written.history);
    const truncated = rewound?.truncated ?? false;
    const complete = { historical_count: written.history, live_count: written.live, complete: !truncated, truncated_by_retention: truncated, truncated_by_limit: false };
    conn.send(encodeInternal('sockudo:rewind_complete', complete, channel));
  }
}

/**
 * join makes the socket a pending local subscriber and a member cluster-wide. On refusal or failure it
 * undoes both, answers the client and returns undefined; errors other than DependencyUnavailable are
 * rethrown after the undo.
 */
async function join(ctx: GatewayContext, conn: Connection, channel: ChannelName, member: Member | undefined): Promise<Extract<SubscribeResult, { ok: true }> | undefined> {
  const { app } = conn;
  conn.beginSubscription(channel, member);
  let result: SubscribeResult;
  try {
    await ctx.channels.add(app.id, channel, conn);
    result = await ctx.presence.subscribe(app.id, channel, conn.id, member);
  } catch (err) {
    conn.endSubscription(channel);
    ctx.channels.remove(app.id, channel, conn);
    // why: presence may have joined the socket before failing to announce it; undo that when it can.
    ctx.presence.unsubscribe(app.id, channel, conn.id).catch(() => undefined);
    if (!(err instanceof DependencyUnavailable)) throw err;
    const error = `Subscription failed: ${err.dependency} is unavailable, retry later`;
    conn.send(encodeInternal('pusher:subscription_error', { type: 'UnavailableError', error, status: 503 }, channel));
    return undefined;
  }
  if (!result.ok) {
    conn.endSubscription(channel);
    ctx.channels.remove(app.id, channel, conn);
    conn.sendError(CloseCode.ChannelError, `Presence channel is full (${app.max_presence_members_per_channel} members)`, channel);
    return undefined;
  }
  return result;
}

function presenceData(members: Member[] | undefined): unknown {
  if (members === undefined) return {};
  // why: a user id may be "__proto__"; a null-prototype object keeps it as an ordinary key.
  const hash: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const m of members) hash[m.id] = m.info ?? null;
  return { presence: { ids: members.map((m) => m.id), hash, count: members.length } };
}

/**
 * knownMembersFilter filters the frames a presence joiner missed while its subscription was pending: a
 * member_added for a user already in the member list it was sent is dropped (pusher-js would announce that
 * user twice). The list is followed through the missed member_added/member_removed frames in order.
 */
function knownMembersFilter(members: Member[]): (text: string) => boolean {
  const present = new Set(members.map((m) => m.id));
  return (text) => {
    const event = memberEventOf(text);
    if (event === undefined) return true;
    if (!event.added) {
      present.delete(event.userId);
      return true;
    }
    if (present.has(event.userId)) return false;
    present.add(event.userId);
    return true;
  };
}

/** cachedEvent returns a cache channel's last event, or sends `pusher:cache_miss` (and its webhook, once). */
async function cachedEvent(ctx: GatewayContext, conn: Connection, channel: ChannelName): Promise<string | undefined> {
  const last = await ctx.publisher.lastEvent(conn.app.id, channel);
  if (last.frame !== undefined) return last.frame;
  conn.send(encodeInternal('pusher:cache_miss', undefined, channel));
  if (last.firstMiss) ctx.webhooks.emit(conn.app.id, { name: 'cache_miss', channel });
  return undefined;
}

function authError(conn: Connection, channel: string, error: string): void {
  conn.send(encodeInternal('pusher:subscription_error', { type: 'AuthError', error, status: 401 }, channel));
}

/** presenceMember parses channel_data (or falls back to the signed-in user); a string result is the error. */
function presenceMember(conn: Connection, channelData: string | undefined): Member | string {
  const { app } = conn;
  let raw: unknown;
  if (channelData === undefined) {
    if (conn.userId === undefined || conn.userData === undefined) return 'Presence channels need channel_data or a signed-in socket';
    raw = JSON.parse(conn.userData) as unknown;
    raw = { user_id: conn.userId, user_info: (raw as { user_info?: unknown }).user_info };
  } else {
    try {
      raw = JSON.parse(channelData);
    } catch {
      return 'channel_data must be JSON';
    }
  }
  if (typeof raw !== 'object' || raw === null) return 'channel_data must be a JSON object';
  const { user_id: userId, user_info: info } = raw as { user_id?: unknown; user_info?: unknown };
  if ((typeof userId !== 'string' && typeof userId !== 'number') || String(userId) === '') {
    return 'channel_data.user_id must be a non-empty string or number';
  }
  const id = asUserId(String(userId));
  if (id.length > app.max_presence_user_id_length) return `user_id is longer than ${app.max_presence_user_id_length} characters`;
  if (info !== undefined && Buffer.byteLength(JSON.stringify(info)) > app.max_presence_member_size_in_kb * 1024) {
    return `user_info is larger than ${app.max_presence_member_size_in_kb} KB`;
  }
  return info === undefined ? { id } : { id, info };
}
