import {
  CloseCode,
  DependencyUnavailable,
  asChannelName,
  asUserId,
  channelAuthString,
  memberEventOf,
  channelNameProblem,
  channelType,
  encodeInternal,
  frameData,
  needsAuth,
  serverToUserId,
  verifyAuth,
  type ChannelName,
  type ClientFrame,
  type Member,
} from '@sockudo-ts/shared';
import type { ChannelState, Connection } from './connection.js';
import type { Gateway } from './gateway.js';

/** handleSubscribe runs `pusher:subscribe` for every channel kind (PROTOCOL.md §4). */
export async function handleSubscribe(gw: Gateway, conn: Connection, frame: ClientFrame): Promise<void> {
  const { app } = conn;
  const data = frameData(frame);
  const raw = data?.channel;
  const problem = channelNameProblem(raw, app.max_channel_name_length);
  if (problem !== undefined || typeof raw !== 'string') {
    conn.sendError(CloseCode.ChannelError, problem ?? 'pusher:subscribe needs data.channel', typeof raw === 'string' ? raw : undefined);
    return;
  }
  const channel = asChannelName(raw);
  const existing = conn.channels.get(channel);
  if (existing !== undefined) {
    if (existing.active) await sendSucceeded(gw, conn, channel, existing);
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
    conn.authorized = true;
  }

  const state: ChannelState = { active: false, member };
  conn.channels.set(channel, state);
  let result;
  try {
    await gw.local.add(app.id, channel, conn);
    result = await gw.deps.presence.subscribe(app.id, channel, conn.id, member);
  } catch (err) {
    if (!(err instanceof DependencyUnavailable)) throw err;
    conn.channels.delete(channel);
    gw.local.remove(app.id, channel, conn);
    // why: presence may have joined the socket before failing to announce it; undo that when it can.
    gw.deps.presence.unsubscribe(app.id, channel, conn.id).catch(() => undefined);
    const error = `Subscription failed: ${err.dependency} is unavailable, retry later`;
    conn.send(encodeInternal('pusher:subscription_error', { type: 'UnavailableError', error, status: 503 }, channel));
    return;
  }
  if (!result.ok) {
    conn.channels.delete(channel);
    gw.local.remove(app.id, channel, conn);
    conn.sendError(CloseCode.ChannelError, `Presence channel is full (${app.max_presence_members_per_channel} members)`, channel);
    return;
  }
  state.active = true;
  conn.send(encodeInternal('pusher_internal:subscription_succeeded', presenceData(result.members), channel));
  const replay = type.cache ? await cachedEvent(gw, conn, channel) : undefined;
  const keep = result.members === undefined ? undefined : knownMembersFilter(result.members);
  gw.local.activate(app.id, channel, conn, replay, keep);
}

/** handleUnsubscribe runs `pusher:unsubscribe`: no reply; presence leave logic runs. */
export async function handleUnsubscribe(gw: Gateway, conn: Connection, frame: ClientFrame): Promise<void> {
  const raw = frameData(frame)?.channel;
  if (typeof raw !== 'string') return;
  const channel = asChannelName(raw);
  if (!conn.channels.has(channel)) return;
  conn.channels.delete(channel);
  gw.local.remove(conn.app.id, channel, conn);
  await gw.deps.presence.unsubscribe(conn.app.id, channel, conn.id);
}

async function sendSucceeded(gw: Gateway, conn: Connection, channel: ChannelName, state: ChannelState): Promise<void> {
  const members = state.member ? await gw.deps.presence.members(conn.app.id, channel) : undefined;
  conn.send(encodeInternal('pusher_internal:subscription_succeeded', presenceData(members), channel));
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
async function cachedEvent(gw: Gateway, conn: Connection, channel: ChannelName): Promise<string | undefined> {
  const last = await gw.deps.publisher.lastEvent(conn.app.id, channel);
  if (last.frame !== undefined) return last.frame;
  conn.send(encodeInternal('pusher:cache_miss', undefined, channel));
  if (last.firstMiss) gw.deps.webhooks.emit(conn.app.id, { name: 'cache_miss', channel });
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
