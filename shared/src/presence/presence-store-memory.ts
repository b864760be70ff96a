import type { AppId, ChannelName, NodeId, SocketId, UserId } from '../ids.js';
import type {
  ChannelCounts,
  ChannelsPage,
  ConnectResult,
  DisconnectResult,
  Member,
  PresenceStore,
  SocketRef,
  SubscribeResult,
  UnsubscribeResult,
} from './presence-store.js';

interface SocketState {
  appId: AppId;
  socketId: SocketId;
  nodeId: NodeId;
  channels: Set<ChannelName>;
  userId?: UserId;
}

interface ChannelState {
  /** sockets maps a socket id to its presence user id ('' on non-presence channels). */
  sockets: Map<SocketId, UserId | ''>;
  /** members maps a user id to its info and how many of its sockets are on the channel. */
  members: Map<UserId, { info: unknown; sockets: number }>;
}

/** MemoryPresenceStore keeps presence state in process; every collection shrinks back as sockets leave. */
export class MemoryPresenceStore implements PresenceStore {
  private readonly sockets = new Map<string, SocketState>();
  private readonly channelsByApp = new Map<AppId, Map<ChannelName, ChannelState>>();
  private readonly usersByApp = new Map<AppId, Map<UserId, Set<SocketId>>>();
  private readonly connectionsByApp = new Map<AppId, number>();
  private readonly nodes = new Map<NodeId, number>();

  async connect(appId: AppId, socketId: SocketId, nodeId: NodeId, max: number): Promise<ConnectResult> {
    const existing = this.sockets.get(sockKey(appId, socketId));
    if (existing !== undefined) return existing.nodeId === nodeId ? 'added' : 'taken';
    const count = this.connectionsByApp.get(appId) ?? 0;
    if (max > 0 && count >= max) return 'full';
    this.sockets.set(sockKey(appId, socketId), { appId: appId, socketId, nodeId: nodeId, channels: new Set() });
    this.connectionsByApp.set(appId, count + 1);
    return 'added';
  }

  async disconnect(appId: AppId, socketId: SocketId): Promise<DisconnectResult> {
    const result: DisconnectResult = { appId: appId, socketId, left: [] };
    const state = this.sockets.get(sockKey(appId, socketId));
    if (state === undefined) return result;
    for (const channel of [...state.channels]) {
      const left = this.unsubscribeSync(appId, channel, socketId);
      if (left) result.left.push(left);
    }
    if (state.userId !== undefined) {
      const users = this.usersByApp.get(appId);
      const set = users?.get(state.userId);
      if (set) {
        set.delete(socketId);
        if (set.size === 0) {
          users!.delete(state.userId);
          result.offline = state.userId;
          if (users!.size === 0) this.usersByApp.delete(appId);
        }
      }
    }
    this.sockets.delete(sockKey(appId, socketId));
    const count = (this.connectionsByApp.get(appId) ?? 1) - 1;
    if (count <= 0) this.connectionsByApp.delete(appId);
    else this.connectionsByApp.set(appId, count);
    return result;
  }

  async subscribe(appId: AppId, channel: ChannelName, socketId: SocketId, member: Member | undefined, maxMembers: number): Promise<SubscribeResult> {
    let channels = this.channelsByApp.get(appId);
    const existing = channels?.get(channel);
    if (member !== undefined && existing !== undefined && !existing.members.has(member.id) && maxMembers > 0 && existing.members.size >= maxMembers) {
      return { ok: false, reason: 'members_limit' };
    }
    if (channels === undefined) {
      channels = new Map();
      this.channelsByApp.set(appId, channels);
    }
    let state = existing;
    const occupied = state === undefined;
    if (state === undefined) {
      state = { sockets: new Map(), members: new Map() };
      channels.set(channel, state);
    }
    let memberAdded = false;
    if (!state.sockets.has(socketId)) {
      state.sockets.set(socketId, member?.id ?? '');
      this.sockets.get(sockKey(appId, socketId))?.channels.add(channel);
      if (member !== undefined) {
        const m = state.members.get(member.id);
        if (m === undefined) {
          state.members.set(member.id, { info: member.info, sockets: 1 });
          memberAdded = true;
        } else {
          m.sockets++;
        }
      }
    }
    const result: SubscribeResult = { ok: true, occupied, memberAdded, subscriptionCount: state.sockets.size };
    if (member !== undefined) result.members = membersOf(state);
    return result;
  }

  async unsubscribe(appId: AppId, channel: ChannelName, socketId: SocketId): Promise<UnsubscribeResult | undefined> {
    return this.unsubscribeSync(appId, channel, socketId);
  }

  private unsubscribeSync(appId: AppId, channel: ChannelName, socketId: SocketId): UnsubscribeResult | undefined {
    const channels = this.channelsByApp.get(appId);
    const state = channels?.get(channel);
    if (state === undefined) return undefined;
    const userId = state.sockets.get(socketId);
    if (userId === undefined) return undefined;
    state.sockets.delete(socketId);
    this.sockets.get(sockKey(appId, socketId))?.channels.delete(channel);
    const result: UnsubscribeResult = { channel, vacated: state.sockets.size === 0, subscriptionCount: state.sockets.size };
    if (userId !== '') {
      const m = state.members.get(userId)!;
      m.sockets--;
      if (m.sockets === 0) {
        state.members.delete(userId);
        result.memberRemoved = userId;
      }
    }
    if (result.vacated) {
      channels!.delete(channel);
      if (channels!.size === 0) this.channelsByApp.delete(appId);
    }
    return result;
  }

  async signin(appId: AppId, socketId: SocketId, userId: UserId): Promise<{ online: boolean }> {
    const state = this.sockets.get(sockKey(appId, socketId));
    if (state === undefined) return { online: false };
    state.userId = userId;
    let users = this.usersByApp.get(appId);
    if (users === undefined) {
      users = new Map();
      this.usersByApp.set(appId, users);
    }
    let set = users.get(userId);
    const online = set === undefined;
    if (set === undefined) {
      set = new Set();
      users.set(userId, set);
    }
    set.add(socketId);
    return { online };
  }

  async members(appId: AppId, channel: ChannelName): Promise<Member[]> {
    const state = this.channelsByApp.get(appId)?.get(channel);
    return state ? membersOf(state) : [];
  }

  async counts(appId: AppId, channel: ChannelName): Promise<ChannelCounts> {
    const state = this.channelsByApp.get(appId)?.get(channel);
    return state ? countsOf(state) : { subscriptionCount: 0, userCount: 0 };
  }

  async channels(appId: AppId): Promise<Map<ChannelName, ChannelCounts>> {
    const out = new Map<ChannelName, ChannelCounts>();
    for (const [name, state] of this.channelsByApp.get(appId) ?? []) out.set(name, countsOf(state));
    return out;
  }

  /** channelsPage sorts the app's channel names on every call: the embedded server lists channels whole; paging is for the presence service's store. */
  async channelsPage(appId: AppId, after: string, limit: number): Promise<ChannelsPage> {
    const byName = this.channelsByApp.get(appId);
    if (byName === undefined) return { channels: new Map(), next: '' };
    const names = [...byName.keys()].filter((name) => name > after).sort();
    const page = names.slice(0, Math.max(1, limit));
    return {
      channels: new Map(page.map((name) => [name, countsOf(byName.get(name)!)])),
      next: names.length > page.length ? page[page.length - 1]! : '',
    };
  }

  async onlineUsers(appId: AppId, userIds: readonly UserId[]): Promise<UserId[]> {
    const users = this.usersByApp.get(appId);
    return users ? userIds.filter((id) => users.has(id)) : [];
  }

  async connectionCount(appId: AppId): Promise<number> {
    return this.connectionsByApp.get(appId) ?? 0;
  }

  async heartbeat(nodeId: NodeId, atMs: number): Promise<boolean> {
    if (!this.nodes.has(nodeId)) return false;
    this.nodes.set(nodeId, atMs);
    return true;
  }

  async registerNode(nodeId: NodeId, atMs: number): Promise<void> {
    this.nodes.set(nodeId, atMs);
  }

  async socketChannels(appId: AppId, socketId: SocketId): Promise<ChannelName[]> {
    return [...(this.sockets.get(sockKey(appId, socketId))?.channels ?? [])];
  }

  async nodeSockets(nodeId: NodeId): Promise<SocketRef[]> {
    const out: SocketRef[] = [];
    for (const state of this.sockets.values()) if (state.nodeId === nodeId) out.push({ appId: state.appId, socketId: state.socketId });
    return out;
  }

  async staleNodes(beforeMs: number): Promise<NodeId[]> {
    return [...this.nodes].filter(([, at]) => at < beforeMs).map(([node]) => node);
  }

  async removeNode(nodeId: NodeId): Promise<DisconnectResult[]> {
    const out: DisconnectResult[] = [];
    for (const ref of await this.nodeSockets(nodeId)) out.push(await this.disconnect(ref.appId, ref.socketId));
    this.nodes.delete(nodeId);
    return out;
  }

  async close(): Promise<void> {}

  /** sizes counts what the store holds: sockets, occupied channels, channel members, online users, apps with sockets, nodes (leak checks). */
  sizes(): { sockets: number; channels: number; members: number; users: number; apps: number; nodes: number } {
    let channels = 0;
    let members = 0;
    for (const byChannel of this.channelsByApp.values()) {
      channels += byChannel.size;
      for (const state of byChannel.values()) members += state.members.size;
    }
    let users = 0;
    for (const byUser of this.usersByApp.values()) users += byUser.size;
    return { sockets: this.sockets.size, channels, members, users, apps: this.connectionsByApp.size, nodes: this.nodes.size };
  }
}

function sockKey(app: string, socketId: string): string {
  return app + '\u0000' + socketId;
}

function membersOf(state: ChannelState): Member[] {
  return [...state.members].map(([id, m]) => ({ id, info: m.info }));
}

function countsOf(state: ChannelState): ChannelCounts {
  return { subscriptionCount: state.sockets.size, userCount: state.members.size };
}
