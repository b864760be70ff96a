import type { AppId, ChannelName, NodeId, SocketId, UserId } from '../ids.js';
import type { Member } from './presence-store.js';

/** SocketSnapshot is one socket a gateway holds: its app, id, signed-in user and channels. */
export interface SocketSnapshot {
  appId: AppId;
  socketId: SocketId;
  userId?: UserId;
  channels: Array<{ channel: ChannelName; member?: Member }>;
}

/** NodeSnapshot is everything one gateway holds, sent when the presence state may have lost it. */
export interface NodeSnapshot {
  nodeId: NodeId;
  sockets: SocketSnapshot[];
}

/**
 * NodeRegistry tracks which gateways are alive. A gateway heartbeats; when told it is unknown (presence
 * state lost, or it was taken for dead) it registers a snapshot of what it holds.
 */
export interface NodeRegistry {
  /** heartbeat records that `node` is alive; false means the node is unknown and must register. */
  heartbeat(nodeId: NodeId): Promise<boolean>;
  /**
   * register makes the presence state hold exactly the snapshot's sockets and subscriptions for its node:
   * what the state has but the node no longer holds is removed, what is missing is added, each with its
   * events. Sockets and subscriptions the state already has cause nothing. (After a node was taken for dead, its peers
   * see its members come back; after the state was lost, they may see a repeated member_added, which
   * pusher-js applies as an update of a member it has.)
   */
  register(snapshot: NodeSnapshot): Promise<void>;
}
