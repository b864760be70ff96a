import * as grpc from '@grpc/grpc-js';
import { DependencyUnavailable } from '../errors/dependency-unavailable.js';
import { fromProtoMember, loadPresenceService, toProtoMember, type ProtoMember } from '../grpc/presence-proto.js';
import type { NodeRegistry, NodeSnapshot } from './node-registry.js';
import type { Presence } from './presence.js';
import type { AppId, ChannelName, NodeId, SocketId, UserId } from '../ids.js';
import type { ChannelCounts, ConnectResult, Member, SubscribeResult } from './presence-store.js';

/** GrpcPresenceOptions say where the presence service is and how long a call may take. */
export interface GrpcPresenceOptions {
  /** url is `host:port` of the presence service. */
  url: string;
  /** deadlineMs bounds every call; past it the call fails with DependencyUnavailable. Default 2000. */
  deadlineMs?: number;
  /** onUnavailable is told of every call that failed because the presence service is unreachable. */
  onUnavailable?: (err: DependencyUnavailable) => void;
}

type Unary = (request: unknown, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, reply: unknown) => void) => void;

const UNAVAILABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED]);

/**
 * GrpcPresence is Presence and NodeRegistry over gRPC, for gateways and api replicas. Every call has
 * a deadline: a presence service that is down or stuck gives DependencyUnavailable, never a hang.
 */
export class GrpcPresence implements Presence, NodeRegistry {
  private readonly client: grpc.Client;
  private readonly deadlineMs: number;

  constructor(private readonly options: GrpcPresenceOptions) {
    const { Client } = loadPresenceService();
    this.client = new Client(options.url, grpc.credentials.createInsecure(), {
      // why: after a presence restart, reconnect within a second instead of grpc's default back-off of minutes.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.max_send_message_length': 64 * 1024 * 1024,
    });
    this.deadlineMs = options.deadlineMs ?? 2000;
  }

  async connect(appId: AppId, socketId: SocketId, node: NodeId): Promise<ConnectResult> {
    const reply = await this.call<{ result: string }>('Connect', { app: appId, socket_id: socketId, node });
    return reply.result as ConnectResult;
  }

  async disconnect(appId: AppId, socketId: SocketId): Promise<void> {
    await this.call('Disconnect', { app: appId, socket_id: socketId });
  }

  async subscribe(appId: AppId, channel: ChannelName, socketId: SocketId, member?: Member): Promise<SubscribeResult> {
    const reply = await this.call<{
      ok: boolean;
      occupied: boolean;
      member_added: boolean;
      subscription_count: number;
      has_members: boolean;
      members: ProtoMember[];
    }>('Subscribe', { app: appId, channel, socket_id: socketId, member: member === undefined ? null : toProtoMember(member) });
    if (!reply.ok) return { ok: false, reason: 'members_limit' };
    const result: SubscribeResult = { ok: true, occupied: reply.occupied, memberAdded: reply.member_added, subscriptionCount: reply.subscription_count };
    if (reply.has_members) result.members = reply.members.map(fromProtoMember);
    return result;
  }

  async unsubscribe(appId: AppId, channel: ChannelName, socketId: SocketId): Promise<void> {
    await this.call('Unsubscribe', { app: appId, channel, socket_id: socketId });
  }

  async signin(appId: AppId, socketId: SocketId, userId: UserId): Promise<void> {
    await this.call('Signin', { app: appId, socket_id: socketId, user_id: userId });
  }

  async members(appId: AppId, channel: ChannelName): Promise<Member[]> {
    return (await this.call<{ members: ProtoMember[] }>('ListMembers', { app: appId, channel })).members.map(fromProtoMember);
  }

  async counts(appId: AppId, channel: ChannelName): Promise<ChannelCounts> {
    const reply = await this.call<{ subscription_count: number; user_count: number }>('ChannelCounts', { app: appId, channel });
    return { subscriptionCount: reply.subscription_count, userCount: reply.user_count };
  }

  async channels(appId: AppId): Promise<Map<ChannelName, ChannelCounts>> {
    const reply = await this.call<{ channels: Array<{ channel: string; counts: { subscription_count: number; user_count: number } | null }> }>(
      'ListChannels',
      { app: appId },
    );
    return new Map(
      reply.channels.map((c) => [c.channel as ChannelName, { subscriptionCount: c.counts?.subscription_count ?? 0, userCount: c.counts?.user_count ?? 0 }]),
    );
  }

  async onlineUsers(appId: AppId, userIds: readonly UserId[]): Promise<UserId[]> {
    return (await this.call<{ user_ids: UserId[] }>('OnlineUsers', { app: appId, user_ids: userIds })).user_ids;
  }

  async heartbeat(node: NodeId): Promise<boolean> {
    return (await this.call<{ known: boolean }>('Heartbeat', { node })).known;
  }

  async register(snapshot: NodeSnapshot): Promise<void> {
    const sockets = snapshot.sockets.map((s) => ({
      app: s.app,
      socket_id: s.socketId,
      user_id: s.userId ?? '',
      channels: s.channels.map((c) => ({ channel: c.channel, member: c.member === undefined ? null : toProtoMember(c.member) })),
    }));
    // why: a snapshot can be large; it gets a longer deadline than a single-socket call.
    await this.call('RegisterNode', { node: snapshot.node, sockets }, this.deadlineMs * 5);
  }

  /** close releases the gRPC channel. */
  close(): void {
    this.client.close();
  }

  private call<T = unknown>(method: string, request: unknown, deadlineMs = this.deadlineMs): Promise<T> {
    const fn = (this.client as unknown as Record<string, Unary>)[method]!.bind(this.client);
    return new Promise((resolve, reject) => {
      fn(request, { deadline: Date.now() + deadlineMs }, (err, reply) => {
        if (err === null) return resolve(reply as T);
        if (UNAVAILABLE.has(err.code)) {
          const unavailable = new DependencyUnavailable('presence', 'the presence service is unavailable', `${this.options.url} ${method}: ${err.details || err.message}`);
          this.options.onUnavailable?.(unavailable);
          reject(unavailable);
        } else {
          reject(new Error(`presence service ${method} failed: ${err.details || err.message}`));
        }
      });
    });
  }
}
