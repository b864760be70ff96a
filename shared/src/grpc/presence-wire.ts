import { asAppId, asChannelName, asNodeId, asSocketId, asUserId, type ChannelName } from '../ids.js';
import type { NodeSnapshot } from '../presence/node-registry.js';
import type { ChannelCounts, ChannelsPage, ConnectResult, Member, SubscribeResult } from '../presence/presence-store.js';
import type { ChannelsPageReply, ChannelsReply, ConnectReply, Counts, Member as WireMember, RegisterNodeRequest, SubscribeReply } from './gen/presence.js';

// The conversions between proto/presence.proto's messages (shared/src/grpc/gen) and the domain types of the
// Presence port, used by GrpcPresence and the presence service's GrpcPresenceServer alike. Strings that arrive
// from the wire become branded ids here.

/**
 * UNAVAILABLE_BEHIND_KEY is the trailer in which the presence service names its own dependency (`redis`, `nats`)
 * when it answers UNAVAILABLE: the service is up, what stands behind it is not. Its absence means the service
 * itself could not be reached.
 */
export const UNAVAILABLE_BEHIND_KEY = 'sockudo-unavailable-dependency';

/** memberToWire writes a Member for the wire: its user_info as JSON, empty when it has none. */
export function memberToWire(member: Member): WireMember {
  return { id: member.id, infoJson: member.info === undefined ? '' : JSON.stringify(member.info) };
}

/** memberFromWire reads a Member from the wire. */
export function memberFromWire(member: WireMember): Member {
  const id = asUserId(member.id);
  return member.infoJson === '' ? { id } : { id, info: JSON.parse(member.infoJson) as unknown };
}

const CONNECT_RESULTS: ReadonlySet<string> = new Set<ConnectResult>(['added', 'full', 'taken']);

/** connectResultFromWire reads ConnectReply.result; anything but added, full or taken is an error. */
export function connectResultFromWire(reply: ConnectReply): ConnectResult {
  if (!CONNECT_RESULTS.has(reply.result)) throw new Error(`presence service answered Connect with an unknown result "${reply.result}"`);
  return reply.result as ConnectResult;
}

/** subscribeResultToWire writes a SubscribeResult as the Subscribe reply. */
export function subscribeResultToWire(result: SubscribeResult): SubscribeReply {
  if (!result.ok) {
    return { ok: false, reason: result.reason, occupied: false, memberAdded: false, subscriptionCount: 0, hasMembers: false, members: [] };
  }
  return {
    ok: true,
    reason: '',
    occupied: result.occupied,
    memberAdded: result.memberAdded,
    subscriptionCount: result.subscriptionCount,
    hasMembers: result.members !== undefined,
    members: (result.members ?? []).map(memberToWire),
  };
}

/** subscribeResultFromWire reads the Subscribe reply; `members` is set only when the reply has them. */
export function subscribeResultFromWire(reply: SubscribeReply): SubscribeResult {
  if (!reply.ok) return { ok: false, reason: 'members_limit' };
  const result: SubscribeResult = { ok: true, occupied: reply.occupied, memberAdded: reply.memberAdded, subscriptionCount: reply.subscriptionCount };
  if (reply.hasMembers) result.members = reply.members.map(memberFromWire);
  return result;
}

/** countsToWire writes a channel's counts. */
export function countsToWire(counts: ChannelCounts): Counts {
  return { subscriptionCount: counts.subscriptionCount, userCount: counts.userCount };
}

/** countsFromWire reads a channel's counts; absent counts are zeros. */
export function countsFromWire(counts: Counts | undefined): ChannelCounts {
  return { subscriptionCount: counts?.subscriptionCount ?? 0, userCount: counts?.userCount ?? 0 };
}

/** channelsToWire writes an app's occupied channels with their counts. */
export function channelsToWire(channels: ReadonlyMap<ChannelName, ChannelCounts>): ChannelsReply {
  return { channels: [...channels].map(([channel, counts]) => ({ channel, counts: countsToWire(counts) })) };
}

/** channelsPageToWire answers one ListChannelsPage with a page the presence store read (ChannelsPage). */
export function channelsPageToWire(page: ChannelsPage): ChannelsPageReply {
  return { channels: [...page.channels].map(([channel, counts]) => ({ channel, counts: countsToWire(counts) })), next: page.next };
}

/** channelsFromWire reads an app's occupied channels with their counts. */
export function channelsFromWire(reply: ChannelsReply): Map<ChannelName, ChannelCounts> {
  return new Map(reply.channels.map((c) => [asChannelName(c.channel), countsFromWire(c.counts)]));
}

/** snapshotToWire writes what a gateway holds as the RegisterNode request (an empty user id: not signed in). */
export function snapshotToWire(snapshot: NodeSnapshot): RegisterNodeRequest {
  return {
    node: snapshot.nodeId,
    sockets: snapshot.sockets.map((s) => ({
      app: s.appId,
      socketId: s.socketId,
      userId: s.userId ?? '',
      channels: s.channels.map((c) => ({ channel: c.channel, member: c.member === undefined ? undefined : memberToWire(c.member) })),
    })),
  };
}

/** snapshotFromWire reads a RegisterNode request as the NodeSnapshot it carries. */
export function snapshotFromWire(request: RegisterNodeRequest): NodeSnapshot {
  return {
    nodeId: asNodeId(request.node),
    sockets: request.sockets.map((s) => ({
      appId: asAppId(s.app),
      socketId: asSocketId(s.socketId),
      ...(s.userId !== '' ? { userId: asUserId(s.userId) } : {}),
      channels: s.channels.map((c) => ({ channel: asChannelName(c.channel), ...(c.member !== undefined ? { member: memberFromWire(c.member) } : {}) })),
    })),
  };
}
