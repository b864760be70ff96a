import * as grpc from '@grpc/grpc-js';
import {
  DependencyUnavailable,
  asAppId,
  asChannelName,
  asNodeId,
  asSocketId,
  asUserId,
  type Logger,
  type NodeRegistry,
  type Presence,
} from '@sockudo-ts/shared';
import {
  PRESENCE_MAX_MESSAGE_BYTES,
  PresenceServiceService,
  channelsToWire,
  countsToWire,
  memberFromWire,
  memberToWire,
  snapshotFromWire,
  subscribeResultToWire,
  UNAVAILABLE_BEHIND_KEY,
  type PresenceServiceServer,
} from '@sockudo-ts/shared/implementations';

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

  constructor(presence: Presence, nodes: NodeRegistry, private readonly logger: Logger) {
    const implementation: PresenceServiceServer = {
      connect: this.unary('Connect', async (r) => ({ result: await presence.connect(asAppId(r.app), asSocketId(r.socketId), asNodeId(r.node)) })),
      disconnect: this.unary('Disconnect', async (r) => {
        await presence.disconnect(asAppId(r.app), asSocketId(r.socketId));
        return {};
      }),
      subscribe: this.unary('Subscribe', async (r) => {
        const member = r.member === undefined ? undefined : memberFromWire(r.member);
        return subscribeResultToWire(await presence.subscribe(asAppId(r.app), asChannelName(r.channel), asSocketId(r.socketId), member));
      }),
      unsubscribe: this.unary('Unsubscribe', async (r) => {
        await presence.unsubscribe(asAppId(r.app), asChannelName(r.channel), asSocketId(r.socketId));
        return {};
      }),
      signin: this.unary('Signin', async (r) => {
        await presence.signin(asAppId(r.app), asSocketId(r.socketId), asUserId(r.userId));
        return {};
      }),
      listMembers: this.unary('ListMembers', async (r) => ({ members: (await presence.members(asAppId(r.app), asChannelName(r.channel))).map(memberToWire) })),
      channelCounts: this.unary('ChannelCounts', async (r) => countsToWire(await presence.counts(asAppId(r.app), asChannelName(r.channel)))),
      listChannels: this.unary('ListChannels', async (r) => channelsToWire(await presence.channels(asAppId(r.app)))),
      onlineUsers: this.unary('OnlineUsers', async (r) => ({ userIds: await presence.onlineUsers(asAppId(r.app), r.userIds.map(asUserId)) })),
      heartbeat: this.unary('Heartbeat', async (r) => ({ known: await nodes.heartbeat(asNodeId(r.node)) })),
      registerNode: this.unary('RegisterNode', async (r) => {
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
      this.server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
    });
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
      handler(call.request).then(
        (reply) => callback(null, reply),
        (err: unknown) => {
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
