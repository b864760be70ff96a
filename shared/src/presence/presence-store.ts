import type { AppId, ChannelName, NodeId, SocketId, UserId } from '../ids.js';

/** Member is one user on a presence channel: its id and the user_info it joined with. */
export interface Member {
  id: UserId;
  info?: unknown;
}

/** ChannelCounts are the cluster-wide counts of one channel. */
export interface ChannelCounts {
  /** subscriptionCount counts sockets. */
  subscriptionCount: number;
  /** userCount counts distinct users (presence channels; zero elsewhere). */
  userCount: number;
}

/** ConnectResult is the outcome of admitting a socket: `added`, `full` (app quota) or `taken` (id in use). */
export type ConnectResult = 'added' | 'full' | 'taken';

/** SubscribeResult says what a socket's subscription changed, cluster-wide. */
export type SubscribeResult =
  | {
      ok: true;
      /** occupied is true when this socket is the channel's first. */
      occupied: boolean;
      /** memberAdded is true when this is the user's first socket on the presence channel. */
      memberAdded: boolean;
      subscriptionCount: number;
      /** members lists the presence channel's members, the joiner included. */
      members?: Member[];
    }
  | { ok: false; reason: 'members_limit' };

/** UnsubscribeResult says what a socket's unsubscription changed, cluster-wide. */
export interface UnsubscribeResult {
  channel: ChannelName;
  /** vacated is true when the channel has no socket left. */
  vacated: boolean;
  /** memberRemoved is the user id whose last socket left the presence channel. */
  memberRemoved?: UserId;
  subscriptionCount: number;
}

/** SocketRef names one socket cluster-wide. */
export interface SocketRef {
  appId: AppId;
  socketId: SocketId;
}

/** DisconnectResult is everything a socket's departure changed. */
export interface DisconnectResult {
  appId: AppId;
  socketId: SocketId;
  left: UnsubscribeResult[];
  /** offline is the signed-in user whose last socket this was. */
  offline?: UserId;
}

/**
 * ConnectionStore admits sockets under the per-app quota. Every method is atomic and reports the
 * transitions it caused, so that the caller emits their events exactly once.
 */
export interface ConnectionStore {
  /**
   * connect registers a socket on a node unless the app already has `max` sockets (zero: no limit):
   * `added` (also when this node had already added it), `full`, or `taken` when another node holds that id.
   */
  connect(appId: AppId, socketId: SocketId, nodeId: NodeId, max: number): Promise<ConnectResult>;
  /** disconnect drops a socket with its subscriptions and sign-in. */
  disconnect(appId: AppId, socketId: SocketId): Promise<DisconnectResult>;
  /** connectionCount is the number of sockets an app has, cluster-wide. */
  connectionCount(appId: AppId): Promise<number>;
}

/**
 * ChannelsPage is one page of an app's occupied channels in name order (plain string order; channel names are
 * ASCII) and the cursor of the next page: the last name of this one, '' when no channel follows.
 */
export interface ChannelsPage {
  channels: Map<ChannelName, ChannelCounts>;
  next: string;
}

/** MembershipStore keeps which sockets are on which channel, and presence members. Atomic per call. */
export interface MembershipStore {
  /** subscribe joins a socket to a channel; a new presence member must fit under `maxMembers` (zero: no limit). */
  subscribe(appId: AppId, channel: ChannelName, socketId: SocketId, member: Member | undefined, maxMembers: number): Promise<SubscribeResult>;
  /** unsubscribe removes a socket from a channel; undefined when it was not subscribed. */
  unsubscribe(appId: AppId, channel: ChannelName, socketId: SocketId): Promise<UnsubscribeResult | undefined>;
  /** members lists a presence channel's members. */
  members(appId: AppId, channel: ChannelName): Promise<Member[]>;
  /** counts returns a channel's counts (zeros for an empty channel). */
  counts(appId: AppId, channel: ChannelName): Promise<ChannelCounts>;
  /** channels lists every occupied channel of an app with its counts. */
  channels(appId: AppId): Promise<Map<ChannelName, ChannelCounts>>;
  /** channelsPage lists at most `limit` (at least one) occupied channels named after `after`, in name order, with their counts. */
  channelsPage(appId: AppId, after: string, limit: number): Promise<ChannelsPage>;
  /** socketChannels lists the channels a socket is subscribed to. */
  socketChannels(appId: AppId, socketId: SocketId): Promise<ChannelName[]>;
}

/** UserStore keeps signed-in users (users online, watchlists). */
export interface UserStore {
  /** signin marks a socket as a user's; `online` is true when it is the user's first signed-in socket. */
  signin(appId: AppId, socketId: SocketId, userId: UserId): Promise<{ online: boolean }>;
  /** onlineUsers returns which of the given users have a signed-in socket. */
  onlineUsers(appId: AppId, userIds: readonly UserId[]): Promise<UserId[]>;
}

/** NodeStore keeps which nodes are alive and which sockets each holds (dead-node cleanup). */
export interface NodeStore {
  /**
   * heartbeat records that a registered node is alive at `atMs`. It returns false, recording nothing, for a
   * node the store does not know (never registered, removed as dead, or the store lost its state): that
   * node must re-register what it holds.
   */
  heartbeat(nodeId: NodeId, atMs: number): Promise<boolean>;
  /** registerNode records a node as alive at `atMs`, known or not. */
  registerNode(nodeId: NodeId, atMs: number): Promise<void>;
  /** nodeSockets lists the sockets the store holds for a node. */
  nodeSockets(nodeId: NodeId): Promise<SocketRef[]>;
  /** staleNodes lists nodes whose last heartbeat is older than `beforeMs`. */
  staleNodes(beforeMs: number): Promise<NodeId[]>;
  /** removeNode drops every socket of a node (a crashed gateway) and the node itself. */
  removeNode(nodeId: NodeId): Promise<DisconnectResult[]>;
}

/**
 * PresenceStore is the cluster-wide truth about sockets, subscriptions, presence members, signed-in users
 * and nodes: every role store in one, with its connection. Implementations: MemoryPresenceStore,
 * RedisPresenceStore (one contract suite runs on both).
 */
export interface PresenceStore extends ConnectionStore, MembershipStore, UserStore, NodeStore {
  /** close releases the store's connection. */
  close(): Promise<void>;
}
