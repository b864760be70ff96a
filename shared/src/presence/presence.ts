import type { AppId, ChannelName, NodeId, SocketId, UserId } from '../ids.js';
import type { ChannelCounts, ChannelsPage, ConnectResult, Member, SubscribeResult } from './presence-store.js';

/**
 * ConnectionRegistry admits and removes sockets cluster-wide. Mutations emit what they cause
 * (member_removed, vacated, offline notices, webhooks).
 */
export interface ConnectionRegistry {
  /** connect admits a socket: `full` when its app is at max_connections, `taken` when the id is in use. */
  connect(appId: AppId, socketId: SocketId, nodeId: NodeId): Promise<ConnectResult>;
  /** disconnect removes a socket with its subscriptions and sign-in, emitting what that causes. */
  disconnect(appId: AppId, socketId: SocketId): Promise<void>;
}

/** ChannelMembership is who is on which channel, cluster-wide; subscribe/unsubscribe emit their events. */
export interface ChannelMembership {
  /** subscribe joins a socket (as a presence member when given); member_added and occupancy are emitted. */
  subscribe(appId: AppId, channel: ChannelName, socketId: SocketId, member?: Member): Promise<SubscribeResult>;
  /** unsubscribe removes a socket from a channel; member_removed and vacated are emitted. */
  unsubscribe(appId: AppId, channel: ChannelName, socketId: SocketId): Promise<void>;
  /** members lists a presence channel's members. */
  members(appId: AppId, channel: ChannelName): Promise<Member[]>;
  /** counts returns a channel's counts (zeros for an empty channel). */
  counts(appId: AppId, channel: ChannelName): Promise<ChannelCounts>;
  /** channels lists every occupied channel of an app with its counts. */
  channels(appId: AppId): Promise<Map<ChannelName, ChannelCounts>>;
  /** channelsPage lists at most `limit` occupied channels named after `after`, in name order (see ChannelsPage). */
  channelsPage(appId: AppId, after: string, limit: number): Promise<ChannelsPage>;
}

/** UserDirectory knows which users are signed in anywhere in the cluster. */
export interface UserDirectory {
  /** signin marks a socket as a user's; the user's first socket sends an online notice to watchers. */
  signin(appId: AppId, socketId: SocketId, userId: UserId): Promise<void>;
  /** onlineUsers returns which of the given users have a signed-in socket. */
  onlineUsers(appId: AppId, userIds: readonly UserId[]): Promise<UserId[]>;
}

/**
 * Presence is the gateway's and api's view of cluster-wide state, every role in one. Implementations:
 * LocalPresence (in process, over a PresenceStore) and GrpcPresence (the presence service's client).
 */
export interface Presence extends ConnectionRegistry, ChannelMembership, UserDirectory {}
