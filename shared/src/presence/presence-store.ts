/** Member is one user on a presence channel: its id and the user_info it joined with. */
export interface Member {
  id: string;
  info?: unknown;
}

/** ChannelCounts are the cluster-wide counts of one channel. */
export interface ChannelCounts {
  /** subscriptionCount counts sockets. */
  subscriptionCount: number;
  /** userCount counts distinct users (presence channels; zero elsewhere). */
  userCount: number;
}

/** JoinResult says what a socket's subscription changed, cluster-wide. */
export type JoinResult =
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

/** LeaveResult says what a socket's unsubscription changed, cluster-wide. */
export interface LeaveResult {
  channel: string;
  /** vacated is true when the channel has no socket left. */
  vacated: boolean;
  /** memberRemoved is the user id whose last socket left the presence channel. */
  memberRemoved?: string;
  subscriptionCount: number;
}

/** AddConnectionResult is the outcome of PresenceStore.addConnection. */
export type AddConnectionResult = 'added' | 'full' | 'taken';

/** SocketRef names one socket cluster-wide. */
export interface SocketRef {
  app: string;
  socketId: string;
}

/** DisconnectResult is everything a socket's departure changed. */
export interface DisconnectResult {
  app: string;
  socketId: string;
  left: LeaveResult[];
  /** offline is the signed-in user whose last socket this was. */
  offline?: string;
}

/**
 * PresenceStore keeps the cluster-wide truth about sockets, subscriptions, presence members and signed-in
 * users. Every method is atomic; results report the transitions the call caused so that the caller can
 * emit events exactly once.
 */
export interface PresenceStore {
  /**
   * addConnection registers a socket on a node unless the app already has `max` sockets (zero: no limit):
   * `added` (also when this node had already added it), `full`, or `taken` when another node holds that id.
   */
  addConnection(app: string, socketId: string, node: string, max: number): Promise<AddConnectionResult>;
  /** removeConnection drops a socket with its subscriptions and sign-in. */
  removeConnection(app: string, socketId: string): Promise<DisconnectResult>;
  /** join subscribes a socket to a channel; a presence member must fit under `maxMembers`. */
  join(app: string, channel: string, socketId: string, member: Member | undefined, maxMembers: number): Promise<JoinResult>;
  /** leave unsubscribes a socket; undefined when it was not subscribed. */
  leave(app: string, channel: string, socketId: string): Promise<LeaveResult | undefined>;
  /** signin marks a socket as a user's; `online` is true when it is the user's first signed-in socket. */
  signin(app: string, socketId: string, userId: string): Promise<{ online: boolean }>;
  /** members lists a presence channel's members. */
  members(app: string, channel: string): Promise<Member[]>;
  /** counts returns a channel's counts (zeros for an empty channel). */
  counts(app: string, channel: string): Promise<ChannelCounts>;
  /** channels lists every occupied channel of an app with its counts. */
  channels(app: string): Promise<Map<string, ChannelCounts>>;
  /** onlineUsers returns which of the given users have a signed-in socket. */
  onlineUsers(app: string, userIds: readonly string[]): Promise<string[]>;
  /** connectionCount is the number of sockets an app has, cluster-wide. */
  connectionCount(app: string): Promise<number>;
  /**
   * heartbeat records that a registered node is alive at `atMs`. It returns false, recording nothing, for a
   * node the store does not know (never registered, removed as dead, or the store lost its state): that
   * node must re-register what it holds.
   */
  heartbeat(node: string, atMs: number): Promise<boolean>;
  /** registerNode records a node as alive at `atMs`, known or not. */
  registerNode(node: string, atMs: number): Promise<void>;
  /** nodeSockets lists the sockets the store holds for a node. */
  nodeSockets(node: string): Promise<SocketRef[]>;
  /** socketChannels lists the channels the store has a socket subscribed to. */
  socketChannels(app: string, socketId: string): Promise<string[]>;
  /** staleNodes lists nodes whose last heartbeat is older than `beforeMs`. */
  staleNodes(beforeMs: number): Promise<string[]>;
  /** removeNode drops every socket of a node (a crashed gateway) and the node itself. */
  removeNode(node: string): Promise<DisconnectResult[]>;
  /** close releases the store's connection. */
  close(): Promise<void>;
}
