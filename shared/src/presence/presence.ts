import type { AddConnectionResult, ChannelCounts, JoinResult, Member } from './presence-store.js';

/**
 * Presence is the gateway's and api's view of cluster-wide state. Mutations also emit what they cause:
 * member_added/removed frames, subscription_count frames, watchlist notices and webhooks.
 * Implementations: PresenceOwner (in process) and the presence service's gRPC client.
 */
export interface Presence {
  /** connect admits a socket: `full` when its app is at max_connections, `taken` when the id is in use. */
  connect(appId: string, socketId: string, node: string): Promise<AddConnectionResult>;
  /** disconnect removes a socket with its subscriptions and sign-in, emitting what that causes. */
  disconnect(appId: string, socketId: string): Promise<void>;
  subscribe(appId: string, channel: string, socketId: string, member?: Member): Promise<JoinResult>;
  unsubscribe(appId: string, channel: string, socketId: string): Promise<void>;
  signin(appId: string, socketId: string, userId: string): Promise<void>;
  members(appId: string, channel: string): Promise<Member[]>;
  counts(appId: string, channel: string): Promise<ChannelCounts>;
  channels(appId: string): Promise<Map<string, ChannelCounts>>;
  onlineUsers(appId: string, userIds: readonly string[]): Promise<string[]>;
}
