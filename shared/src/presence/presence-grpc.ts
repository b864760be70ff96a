import * as grpc from '@grpc/grpc-js';
import { DependencyUnavailable } from '../errors/dependency-unavailable.js';
import type { GrpcClientTls } from '../grpc/grpc-auth-config.js';
import { clientCredentials, tokenMetadata } from '../grpc/grpc-auth.js';
import { PresenceServiceClient, PresenceServiceService } from '../grpc/gen/presence.js';
import {
  channelsFromWire,
  connectResultFromWire,
  countsFromWire,
  memberFromWire,
  memberToWire,
  snapshotToWire,
  subscribeResultFromWire,
  UNAVAILABLE_BEHIND_KEY,
} from '../grpc/presence-wire.js';
import { asUserId, type AppId, type ChannelName, type NodeId, type SocketId, type UserId } from '../ids.js';
import type { NodeRegistry, NodeSnapshot } from './node-registry.js';
import type { Presence } from './presence.js';
import type { ChannelCounts, ChannelsPage, ConnectResult, Member, SubscribeResult } from './presence-store.js';

/** GrpcPresenceOptions say where the presence service is and how long a call may take. */
export interface GrpcPresenceOptions {
  /** url is `host:port` of the presence service. */
  url: string;
  /** deadlineMs bounds every call; past it the call fails with DependencyUnavailable. Default 2000. */
  deadlineMs?: number;
  /** onUnavailable is told of every call that failed because the presence service is unreachable. */
  onUnavailable?: (err: DependencyUnavailable) => void;
  /** channelsPageSize is how many channels one ListChannelsPage reply carries. Default 10000. */
  channelsPageSize?: number;
  /** token is sent with every call (`authorization: Bearer <token>`) when not empty. */
  token?: string;
  /** tls connects with TLS, trusting `ca` (PEM), presenting `cert` / `key` when the service asks for one. */
  tls?: GrpcClientTls;
}

/** PRESENCE_MAX_MESSAGE_BYTES bounds one gRPC message either way (a RegisterNode snapshot, a ListChannels reply): 64 MiB. */
export const PRESENCE_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

type Rpcs = typeof PresenceServiceService;
type Rpc = keyof Rpcs;
type RequestOf<R extends Rpc> = Parameters<Rpcs[R]['requestSerialize']>[0];
type ReplyOf<R extends Rpc> = ReturnType<Rpcs[R]['responseDeserialize']>;
type UnaryMethod<R extends Rpc> = (
  request: RequestOf<R>,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: (err: grpc.ServiceError | null, reply: ReplyOf<R>) => void,
) => grpc.ClientUnaryCall;

/** UNAVAILABLE are the gRPC statuses that mean "the presence service cannot answer now", not "it refused". */
const UNAVAILABLE: ReadonlySet<grpc.status> = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED]);

/**
 * GrpcPresence is Presence and NodeRegistry over gRPC, for gateways and api replicas, through the client generated
 * from proto/presence.proto (the compiler checks every request and reply field). Every call has a deadline: a
 * presence service that is down or stuck gives DependencyUnavailable (also told to `onUnavailable`), never a hang.
 */
export class GrpcPresence implements Presence, NodeRegistry {
  private readonly client: PresenceServiceClient;
  private readonly deadlineMs: number;

  constructor(private readonly options: GrpcPresenceOptions) {
    this.client = new PresenceServiceClient(options.url, clientCredentials(options.tls), {
      // why: after a presence restart, reconnect within a second instead of grpc's default back-off of minutes.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.max_send_message_length': PRESENCE_MAX_MESSAGE_BYTES,
      'grpc.max_receive_message_length': PRESENCE_MAX_MESSAGE_BYTES,
    });
    this.deadlineMs = options.deadlineMs ?? 2000;
    this.metadata = tokenMetadata(options.token);
  }

  /** metadata is sent with every call (the token, when set); grpc-js copies it per call. */
  private readonly metadata: grpc.Metadata;

  async connect(appId: AppId, socketId: SocketId, nodeId: NodeId): Promise<ConnectResult> {
    return connectResultFromWire(await this.call('connect', { app: appId, socketId, node: nodeId }));
  }

  async disconnect(appId: AppId, socketId: SocketId): Promise<void> {
    await this.call('disconnect', { app: appId, socketId });
  }

  async subscribe(appId: AppId, channel: ChannelName, socketId: SocketId, member?: Member): Promise<SubscribeResult> {
    const wire = member === undefined ? undefined : memberToWire(member);
    return subscribeResultFromWire(await this.call('subscribe', { app: appId, channel, socketId, member: wire }));
  }

  async unsubscribe(appId: AppId, channel: ChannelName, socketId: SocketId): Promise<void> {
    await this.call('unsubscribe', { app: appId, channel, socketId });
  }

  async signin(appId: AppId, socketId: SocketId, userId: UserId): Promise<void> {
    await this.call('signin', { app: appId, socketId, userId });
  }

  async members(appId: AppId, channel: ChannelName): Promise<Member[]> {
    return (await this.call('listMembers', { app: appId, channel })).members.map(memberFromWire);
  }

  async counts(appId: AppId, channel: ChannelName): Promise<ChannelCounts> {
    return countsFromWire(await this.call('channelCounts', { app: appId, channel }));
  }

  /**
   * channels reads an app's occupied channels a page at a time (ListChannelsPage). why: in one reply, an app
   * with enough channels would outgrow the gRPC message cap and `GET /channels` would fail for good.
   */
  async channels(appId: AppId): Promise<Map<ChannelName, ChannelCounts>> {
    const all = new Map<ChannelName, ChannelCounts>();
    let after = '';
    for (;;) {
      const page = await this.channelsPage(appId, after, this.options.channelsPageSize ?? 10_000);
      for (const [channel, counts] of page.channels) all.set(channel, counts);
      if (page.next === '') return all;
      after = page.next;
    }
  }

  async channelsPage(appId: AppId, after: string, limit: number): Promise<ChannelsPage> {
    const reply = await this.call('listChannelsPage', { app: appId, after, limit });
    return { channels: channelsFromWire({ channels: reply.channels }), next: reply.next };
  }

  async onlineUsers(appId: AppId, userIds: readonly UserId[]): Promise<UserId[]> {
    return (await this.call('onlineUsers', { app: appId, userIds: [...userIds] })).userIds.map(asUserId);
  }

  async heartbeat(nodeId: NodeId): Promise<boolean> {
    return (await this.call('heartbeat', { node: nodeId })).known;
  }

  async register(snapshot: NodeSnapshot): Promise<void> {
    // why: a snapshot can be large; it gets a longer deadline than a single-socket call.
    await this.call('registerNode', snapshotToWire(snapshot), this.deadlineMs * 5);
  }

  /** close releases the gRPC channel. */
  close(): void {
    this.client.close();
  }

  private call<R extends Rpc>(rpc: R, request: RequestOf<R>, deadlineMs = this.deadlineMs): Promise<ReplyOf<R>> {
    // why: the generated client's methods are overloads per RPC; the compiler cannot pick one for a generic R.
    const method = this.client[rpc] as unknown as UnaryMethod<R>;
    return new Promise((resolve, reject) => {
      method.call(this.client, request, this.metadata, { deadline: Date.now() + deadlineMs }, (err, reply) => {
        if (err === null) return resolve(reply);
        if (!UNAVAILABLE.has(err.code)) return reject(new Error(`presence service ${rpc} failed: ${err.details || err.message}`));
        // why: when the service answered, its details are its own client-safe message ("Redis is unavailable"); a
        // transport failure's details name addresses and stay in `detail`.
        const behind = err.metadata?.get(UNAVAILABLE_BEHIND_KEY)[0];
        const message = behind === undefined ? transportProblem(err.details, this.options.tls !== undefined) : `the presence service is unavailable: ${err.details}`;
        const unavailable = new DependencyUnavailable('presence', message, `${this.options.url} ${rpc}: ${err.details || err.message}`);
        this.options.onUnavailable?.(unavailable);
        reject(unavailable);
      });
    });
  }
}

/**
 * transportProblem names a failed connection to the presence service for the logs: a TLS handshake the service
 * refused (a missing or untrusted client certificate) says which settings to check, never their values.
 */
function transportProblem(details: string, tls: boolean): string {
  const check = 'check presence.grpc_tls.ca_file, client_cert_file and client_key_file against the service\'s CA';
  if (/certificate|SSL|TLS|alert|handshake/i.test(details)) return `the presence service refused the TLS connection (${check})`;
  if (tls && /No connection established|Failed to connect|Connection dropped/i.test(details)) return `the presence service is unreachable or refused the TLS connection (${check})`;
  return 'the presence service is unavailable';
}
