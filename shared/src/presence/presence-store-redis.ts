import type { Redis } from 'ioredis';
import { deleteByPrefix, openRedis, redisCall, type RedisOptions } from '../redis/redis-connection.js';
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
import * as lua from './presence-store-redis-scripts.js';

/** RedisPresenceStoreOptions add the key prefix to the connection options. */
export interface RedisPresenceStoreOptions extends RedisOptions {
  /** prefix starts every key this store writes, e.g. `sockudo:presence:`. */
  prefix: string;
}

const REMOVE_NODE_BATCH = 500;

/**
 * RedisPresenceStore keeps the cluster-wide presence state in Redis; every operation is one Lua script,
 * so it is atomic across presence replicas and reports exactly the transitions it caused. Semantics are
 * MemoryPresenceStore's (the same contract suite runs on both). While Redis is down, calls fail with
 * DependencyUnavailable.
 */
export class RedisPresenceStore implements PresenceStore {
  private constructor(private readonly redis: Redis, private readonly prefix: string) {}

  /** connect opens the Redis connection; it fails with DependencyUnavailable when Redis does not answer. */
  static async connect(options: RedisPresenceStoreOptions): Promise<RedisPresenceStore> {
    return new RedisPresenceStore(await openRedis(options), options.prefix);
  }

  async connect(appId: AppId, socketId: SocketId, nodeId: NodeId, max: number): Promise<ConnectResult> {
    return (await this.run(lua.CONNECT, appId, socketId, nodeId, max)) as ConnectResult;
  }

  async disconnect(appId: AppId, socketId: SocketId): Promise<DisconnectResult> {
    return toDisconnect(JSON.parse((await this.run(lua.DISCONNECT, appId, socketId)) as string));
  }

  async subscribe(appId: AppId, channel: ChannelName, socketId: SocketId, member: Member | undefined, maxMembers: number): Promise<SubscribeResult> {
    const info = member?.info === undefined ? '' : JSON.stringify(member.info);
    const raw = await this.run(lua.SUBSCRIBE, appId, channel, socketId, member?.id ?? '', info, member ? '1' : '0', maxMembers);
    const r = JSON.parse(raw as string) as { ok: boolean; occupied: boolean; memberAdded: boolean; subscriptionCount: number; members?: string[] | object };
    if (!r.ok) return { ok: false, reason: 'members_limit' };
    const result: SubscribeResult = { ok: true, occupied: r.occupied, memberAdded: r.memberAdded, subscriptionCount: r.subscriptionCount };
    if (member !== undefined) result.members = toMembers(r.members);
    return result;
  }

  async unsubscribe(appId: AppId, channel: ChannelName, socketId: SocketId): Promise<UnsubscribeResult | undefined> {
    const raw = await this.run(lua.UNSUBSCRIBE, appId, channel, socketId);
    return raw === null ? undefined : toUnsubscribe(JSON.parse(raw as string));
  }

  async signin(appId: AppId, socketId: SocketId, userId: UserId): Promise<{ online: boolean }> {
    return { online: (await this.run(lua.SIGNIN, appId, socketId, userId)) === 1 };
  }

  async members(appId: AppId, channel: ChannelName): Promise<Member[]> {
    return toMembers(await redisCall(() => this.redis.hgetall(this.key('i', appId, channel))));
  }

  async counts(appId: AppId, channel: ChannelName): Promise<ChannelCounts> {
    const [subscriptionCount, userCount] = (await this.run(lua.COUNTS, appId, channel)) as [number, number];
    return { subscriptionCount, userCount };
  }

  async channels(appId: AppId): Promise<Map<ChannelName, ChannelCounts>> {
    const flat = (await this.run(lua.CHANNELS, appId)) as Array<string | number>;
    const out = new Map<ChannelName, ChannelCounts>();
    for (let i = 0; i < flat.length; i += 3) {
      out.set(String(flat[i]) as ChannelName, { subscriptionCount: Number(flat[i + 1]), userCount: Number(flat[i + 2]) });
    }
    return out;
  }

  async channelsPage(appId: AppId, after: string, limit: number): Promise<ChannelsPage> {
    const [next, ...flat] = (await this.run(lua.CHANNELS_PAGE, appId, after, Math.max(1, limit))) as Array<string | number>;
    const channels = new Map<ChannelName, ChannelCounts>();
    for (let i = 0; i < flat.length; i += 3) {
      channels.set(String(flat[i]) as ChannelName, { subscriptionCount: Number(flat[i + 1]), userCount: Number(flat[i + 2]) });
    }
    return { channels, next: String(next) };
  }

  async onlineUsers(appId: AppId, userIds: readonly UserId[]): Promise<UserId[]> {
    if (userIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of userIds) pipeline.exists(this.key('u', appId, id));
    const replies = (await redisCall(() => pipeline.exec())) ?? [];
    return userIds.filter((_, i) => replies[i]?.[1] === 1);
  }

  async connectionCount(appId: AppId): Promise<number> {
    return Number((await redisCall(() => this.redis.get(this.prefix + 'n:' + appId))) ?? 0);
  }

  async heartbeat(nodeId: NodeId, atMs: number): Promise<boolean> {
    return (await this.run(lua.HEARTBEAT, nodeId, atMs)) === 1;
  }

  async registerNode(nodeId: NodeId, atMs: number): Promise<void> {
    await redisCall(() => this.redis.zadd(this.prefix + 'nodes', atMs, nodeId));
  }

  async nodeSockets(nodeId: NodeId): Promise<SocketRef[]> {
    const refs = await redisCall(() => this.redis.smembers(this.prefix + 'ns:' + nodeId));
    return refs.map((ref) => {
      const cut = ref.indexOf('\n');
      return { appId: ref.slice(0, cut) as AppId, socketId: ref.slice(cut + 1) as SocketId };
    });
  }

  async socketChannels(appId: AppId, socketId: SocketId): Promise<ChannelName[]> {
    return (await redisCall(() => this.redis.smembers(this.key('sc', appId, socketId)))) as ChannelName[];
  }

  async staleNodes(beforeMs: number): Promise<NodeId[]> {
    return (await redisCall(() => this.redis.zrangebyscore(this.prefix + 'nodes', '-inf', `(${beforeMs}`))) as NodeId[];
  }

  async removeNode(nodeId: NodeId): Promise<DisconnectResult[]> {
    const out: DisconnectResult[] = [];
    // why: batches keep each script short, so one dead gateway with many sockets never blocks Redis long.
    for (;;) {
      const raw = (await this.run(lua.REMOVE_NODE_BATCH, nodeId, REMOVE_NODE_BATCH)) as string;
      const { results, done } = JSON.parse(raw) as { results: unknown; done: boolean };
      for (const r of asArray(results)) out.push(toDisconnect(r));
      if (done) return out;
    }
  }

  /** clear deletes every key under this store's prefix (tests and resets). */
  clear(): Promise<void> {
    return deleteByPrefix(this.redis, this.prefix);
  }

  /** isConnected is true while the Redis connection is up (readiness). */
  isConnected(): boolean {
    return this.redis.status === 'ready';
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private key(kind: string, app: string, name: string): string {
    return `${this.prefix}${kind}:${app}:${name}`;
  }

  private run(script: string, ...args: Array<string | number>): Promise<unknown> {
    return redisCall(() => this.redis.eval(script, 0, this.prefix, ...args));
  }
}

/** why: cjson encodes an empty Lua table as `{}`, so every list may arrive as an object. */
function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function toMembers(value: unknown): Member[] {
  const entries: Array<[UserId, string]> = [];
  if (Array.isArray(value)) for (let i = 0; i < value.length; i += 2) entries.push([String(value[i]) as UserId, String(value[i + 1])]);
  else if (typeof value === 'object' && value !== null) entries.push(...(Object.entries(value as Record<string, string>) as Array<[UserId, string]>));
  return entries.map(([id, info]) => (info === '' ? { id } : { id, info: JSON.parse(info) as unknown }));
}

function toUnsubscribe(raw: unknown): UnsubscribeResult {
  const r = raw as UnsubscribeResult;
  const out: UnsubscribeResult = { channel: r.channel, vacated: r.vacated, subscriptionCount: r.subscriptionCount };
  if (r.memberRemoved !== undefined) out.memberRemoved = r.memberRemoved;
  return out;
}

function toDisconnect(raw: unknown): DisconnectResult {
  const r = raw as DisconnectResult;
  const out: DisconnectResult = { appId: r.appId, socketId: r.socketId, left: asArray(r.left).map(toUnsubscribe) };
  if (r.offline !== undefined) out.offline = r.offline;
  return out;
}
