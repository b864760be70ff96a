import {
  CloseCode,
  DependencyUnavailable,
  channelNameProblem,
  channelType,
  encodeInternal,
  frameData,
  needsAuth,
  serverToUserId,
  verifyAuth,
  cacheKey,
  cacheMissKey,
  type ClientFrame,
  type Member,
} from '@sockudo-ts/shared';
import type { ChannelState, Connection } from './connection.js';
import type { Gateway } from './gateway.js';

/** handleSubscribe runs `pusher:subscribe` for every channel kind (PROTOCOL.md §4). */
export async function handleSubscribe(gw: Gateway, conn: Connection, frame: ClientFrame): Promise<void> {
  const { app } = conn;
  const data = frameData(frame);
  const channel = data?.channel;
  const problem = channelNameProblem(channel, app.max_channel_name_length);
  if (problem !== undefined || typeof channel !== 'string') {
    conn.sendError(CloseCode.ChannelError, problem ?? 'pusher:subscribe needs data.channel', typeof channel === 'string' ? channel : undefined);
    return;
  }
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
    const signed = channelData === undefined ? `${conn.id}:${channel}` : `${conn.id}:${channel}:${channelData}`;
    if (!verifyAuth(data!.auth, app.key, app.secret, signed)) {
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
  const channel = frameData(frame)?.channel;
  if (typeof channel !== 'string' || !conn.channels.has(channel)) return;
  conn.channels.delete(channel);
  gw.local.remove(conn.app.id, channel, conn);
  await gw.deps.presence.unsubscribe(conn.app.id, channel, conn.id);
}

async function sendSucceeded(gw: Gateway, conn: Connection, channel: string, state: ChannelState): Promise<void> {
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

const MEMBER_ADDED = '{"event":"pusher_internal:member_added"';
const MEMBER_REMOVED = '{"event":"pusher_internal:member_removed"';

/**
 * knownMembersFilter filters the frames a presence joiner missed while its subscription was pending: a
 * member_added for a user already in the member list it was sent is dropped (pusher-js would announce that
 * user twice). The list is followed through the missed member_added/member_removed frames in order.
 */
function knownMembersFilter(members: Member[]): (text: string) => boolean {
  const present = new Set(members.map((m) => m.id));
  return (text) => {
    const added = text.startsWith(MEMBER_ADDED);
    if (!added && !text.startsWith(MEMBER_REMOVED)) return true;
    const userId = memberEventUserId(text);
    if (userId === undefined) return true;
    if (!added) {
      present.delete(userId);
      return true;
    }
    if (present.has(userId)) return false;
    present.add(userId);
    return true;
  };
}

function memberEventUserId(text: string): string | undefined {
  try {
    const data = JSON.parse((JSON.parse(text) as { data?: string }).data ?? '') as { user_id?: unknown };
    return typeof data.user_id === 'string' ? data.user_id : undefined;
  } catch {
    return undefined;
  }
}

/** cachedEvent returns a cache channel's last event, or sends `pusher:cache_miss` (and its webhook, once). */
async function cachedEvent(gw: Gateway, conn: Connection, channel: string): Promise<string | undefined> {
  const { cache, webhooks, config } = gw.deps;
  const cached = await cache.get(cacheKey(conn.app.id, channel));
  if (cached !== undefined) return cached.value;
  conn.send(encodeInternal('pusher:cache_miss', undefined, channel));
  if (await cache.setIfAbsent(cacheMissKey(conn.app.id, channel), '1', config.channel_limits.cache_ttl)) {
    webhooks.emit(conn.app.id, { name: 'cache_miss', channel });
  }
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
  const id = String(userId);
  if (id.length > app.max_presence_user_id_length) return `user_id is longer than ${app.max_presence_user_id_length} characters`;
  if (info !== undefined && Buffer.byteLength(JSON.stringify(info)) > app.max_presence_member_size_in_kb * 1024) {
    return `user_info is larger than ${app.max_presence_member_size_in_kb} KB`;
  }
  return info === undefined ? { id } : { id, info };
}
