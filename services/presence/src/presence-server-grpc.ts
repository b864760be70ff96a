import * as grpc from '@grpc/grpc-js';
import {
  DependencyUnavailable,
  asAppId,
  asChannelName,
  asNodeId,
  asSocketId,
  asUserId,
  channelNameProblem,
  isSocketId,
  type AppStore,
  type GrpcServerTls,
  type Logger,
  type NodeRegistry,
  type Presence,
} from '@sockudo-ts/shared';
import {
  PRESENCE_MAX_MESSAGE_BYTES,
  PresenceServiceService,
  channelsPageToWire,
  channelsToWire,
  countsToWire,
  memberFromWire,
  memberToWire,
  snapshotFromWire,
  subscribeResultToWire,
  serverCredentials,
  TokenGuard,
  UNAVAILABLE_BEHIND_KEY,
  type PresenceServiceServer,
} from '@sockudo-ts/shared/implementations';

/** GrpcPresenceServerOptions secure the presence service: the apps arguments are checked against, a shared token, TLS. */
export interface GrpcPresenceServerOptions {
  /** apps are the known apps: a call naming another app is refused (INVALID_ARGUMENT). */
  apps: AppStore;
  /** token, when not empty, must come with every call as `authorization: Bearer <token>` (else UNAUTHENTICATED). */
  token?: string;
  /** tls serves with TLS (cert and key, PEM); with `ca`, clients must present a certificate it signed. */
  tls?: GrpcServerTls;
}

/** InvalidArgument is a request the service refuses to act on (INVALID_ARGUMENT), naming the field. */
class InvalidArgument extends Error {}

/** MAX_CHANNELS_PAGE bounds one ListChannelsPage reply (100,000 names of up to 200 characters stay far below the cap). */
const MAX_CHANNELS_PAGE = 100_000;

/** MAX_ID_LENGTH bounds node, socket and user ids and app ids on the wire. */
const MAX_ID_LENGTH = 200;
/** MAX_MEMBER_INFO_BYTES bounds one member's user_info on the wire (the gateways enforce the app's own, smaller limit). */
const MAX_MEMBER_INFO_BYTES = 64 * 1024;

/**
 * GrpcPresenceServer serves proto/presence.proto over a Presence (LocalPresence) and a NodeRegistry, through the
 * service definition generated from the .proto (the compiler checks every request and reply field). A store or bus
 * that is unavailable answers UNAVAILABLE, which clients report as a clear DependencyUnavailable.
 */
export class GrpcPresenceServer {
  private readonly server = new grpc.Server({
    'grpc.max_receive_message_length': PRESENCE_MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': PRESENCE_MAX_MESSAGE_BYTES,
  });

  private readonly guard: TokenGuard;

  constructor(presence: Presence, nodes: NodeRegistry, private readonly logger: Logger, private readonly options?: GrpcPresenceServerOptions) {
    this.guard = new TokenGuard(options?.token, 'presence.grpc_token');
    const app = (raw: string) => this.app(raw);
    const implementation: PresenceServiceServer = {
      connect: this.unary('Connect', async (r) => ({ result: await presence.connect(await app(r.app), socketId(r.socketId), nodeId(r.node)) })),
      disconnect: this.unary('Disconnect', async (r) => {
        await presence.disconnect(await app(r.app), socketId(r.socketId));
        return {};
      }),
      subscribe: this.unary('Subscribe', async (r) => {
        const member = r.member === undefined ? undefined : checkedMember(r.member);
        return subscribeResultToWire(await presence.subscribe(await app(r.app), channel(r.channel), socketId(r.socketId), member));
      }),
      unsubscribe: this.unary('Unsubscribe', async (r) => {
        await presence.unsubscribe(await app(r.app), channel(r.channel), socketId(r.socketId));
        return {};
      }),
      signin: this.unary('Signin', async (r) => {
        await presence.signin(await app(r.app), socketId(r.socketId), userId(r.userId));
        return {};
      }),
      listMembers: this.unary('ListMembers', async (r) => ({ members: (await presence.members(await app(r.app), channel(r.channel))).map(memberToWire) })),
      channelCounts: this.unary('ChannelCounts', async (r) => countsToWire(await presence.counts(await app(r.app), channel(r.channel)))),
      listChannels: this.unary('ListChannels', async (r) => channelsToWire(await presence.channels(await app(r.app)))),
      listChannelsPage: this.unary('ListChannelsPage', async (r) => channelsPageToWire(await presence.channelsPage(await app(r.app), r.after, Math.max(1, Math.min(r.limit, MAX_CHANNELS_PAGE))))),
      onlineUsers: this.unary('OnlineUsers', async (r) => ({ userIds: await presence.onlineUsers(await app(r.app), r.userIds.map(userId)) })),
      heartbeat: this.unary('Heartbeat', async (r) => ({ known: await nodes.heartbeat(nodeId(r.node)) })),
      registerNode: this.unary('RegisterNode', async (r) => {
        nodeId(r.node);
        for (const s of r.sockets) {
          await app(s.app);
          socketId(s.socketId);
          if (s.userId !== '') userId(s.userId);
          for (const c of s.channels) {
            channel(c.channel);
            if (c.member !== undefined) checkedMember(c.member);
          }
        }
        const snapshot = snapshotFromWire(r);
        await nodes.register(snapshot);
        logger.info({ node: snapshot.nodeId, sockets: snapshot.sockets.length }, 'node registered its sockets');
        return {};
      }),
    };
    this.server.addService(PresenceServiceService, implementation);
  }

  /** listen binds `host:port` (port 0 picks a free one) and resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, serverCredentials(this.options?.tls), (err, bound) => (err ? reject(err) : resolve(bound)));
    });
  }

  /** app checks an app id argument: known to this cluster (when the server has the apps), else INVALID_ARGUMENT. */
  private async app(raw: string): Promise<ReturnType<typeof asAppId>> {
    if (raw === '' || raw.length > MAX_ID_LENGTH) throw new InvalidArgument('app: not an app id');
    const id = asAppId(raw);
    if (this.options !== undefined && (await this.options.apps.byId(id)) === undefined) throw new InvalidArgument('app: unknown app');
    return id;
  }

  /** stop lets calls in flight finish for up to `graceMs`, then cuts the rest. */
  async stop(graceMs: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * unary adapts a promise handler to grpc-js: DependencyUnavailable answers UNAVAILABLE with its client-safe message
   * and the dependency's name in a trailer, anything else INTERNAL.
   */
  private unary<Req, Reply>(rpc: string, handler: (request: Req) => Promise<Reply>): grpc.handleUnaryCall<Req, Reply> {
    return (call, callback) => {
      const refusal = this.guard.refusal(call.metadata);
      if (refusal !== undefined) {
        callback({ ...refusal, details: `presence service: ${refusal.details}` });
        return;
      }
      handler(call.request).then(
        (reply) => callback(null, reply),
        (err: unknown) => {
          if (err instanceof InvalidArgument) {
            callback({ code: grpc.status.INVALID_ARGUMENT, details: err.message });
            return;
          }
          if (err instanceof DependencyUnavailable) {
            const metadata = new grpc.Metadata();
            metadata.set(UNAVAILABLE_BEHIND_KEY, err.dependency);
            callback({ code: grpc.status.UNAVAILABLE, details: err.message, metadata });
            return;
          }
          this.logger.error({ err, rpc }, 'presence call failed');
          callback({ code: grpc.status.INTERNAL, details: (err as Error).message });
        },
      );
    };
  }
}

function socketId(raw: string): ReturnType<typeof asSocketId> {
  if (!isSocketId(raw)) throw new InvalidArgument('socketId: not a socket id');
  return asSocketId(raw);
}

function nodeId(raw: string): ReturnType<typeof asNodeId> {
  if (raw === '' || raw.length > MAX_ID_LENGTH) throw new InvalidArgument('node: not a node id');
  return asNodeId(raw);
}

function userId(raw: string): ReturnType<typeof asUserId> {
  if (raw === '' || raw.length > MAX_ID_LENGTH) throw new InvalidArgument('userId: not a user id');
  return asUserId(raw);
}

function channel(raw: string): ReturnType<typeof asChannelName> {
  // why: apps may allow names longer than Pusher's 200 (max_channel_name_length); the gateways check the app's own.
  const problem = channelNameProblem(raw, 1024);
  if (problem !== undefined) throw new InvalidArgument(`channel: ${problem}`);
  return asChannelName(raw);
}

function checkedMember(wire: Parameters<typeof memberFromWire>[0]): ReturnType<typeof memberFromWire> {
  userId(wire.id);
  if (Buffer.byteLength(wire.infoJson) > MAX_MEMBER_INFO_BYTES) throw new InvalidArgument('member.infoJson: too large');
  try {
    return memberFromWire(wire);
  } catch {
    throw new InvalidArgument('member.infoJson: not JSON');
  }
}
