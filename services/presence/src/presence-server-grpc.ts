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
import { fromProtoMember, loadPresenceService, toProtoMember, type ProtoMember } from '@sockudo-ts/shared/implementations';

type Handler = (request: Record<string, unknown>) => Promise<unknown>;

/**
 * GrpcPresenceServer serves proto/presence.proto over a Presence (the PresenceOwner) and a NodeRegistry.
 * A store that is down answers UNAVAILABLE, which clients report as a clear DependencyUnavailable.
 */
export class GrpcPresenceServer {
  private readonly server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });

  constructor(presence: Presence, nodes: NodeRegistry, private readonly logger: Logger) {
    const handlers: Record<string, Handler> = {
      Connect: async (r) => ({ result: await presence.connect(app(r), sock(r), asNodeId(s(r.node))) }),
      Disconnect: async (r) => void (await presence.disconnect(app(r), sock(r))),
      Subscribe: async (r) => {
        const member = r.member ? fromProtoMember(r.member as ProtoMember) : undefined;
        const result = await presence.subscribe(app(r), chan(r), sock(r), member);
        if (!result.ok) return { ok: false, reason: result.reason };
        return {
          ok: true,
          occupied: result.occupied,
          member_added: result.memberAdded,
          subscription_count: result.subscriptionCount,
          has_members: result.members !== undefined,
          members: (result.members ?? []).map(toProtoMember),
        };
      },
      Unsubscribe: async (r) => void (await presence.unsubscribe(app(r), chan(r), sock(r))),
      Signin: async (r) => void (await presence.signin(app(r), sock(r), asUserId(s(r.user_id)))),
      ListMembers: async (r) => ({ members: (await presence.members(app(r), chan(r))).map(toProtoMember) }),
      ChannelCounts: async (r) => {
        const c = await presence.counts(app(r), chan(r));
        return { subscription_count: c.subscriptionCount, user_count: c.userCount };
      },
      ListChannels: async (r) => ({
        channels: [...(await presence.channels(app(r)))].map(([channel, c]) => ({
          channel,
          counts: { subscription_count: c.subscriptionCount, user_count: c.userCount },
        })),
      }),
      OnlineUsers: async (r) => ({ user_ids: await presence.onlineUsers(app(r), (r.user_ids as string[]).map(asUserId)) }),
      Heartbeat: async (r) => ({ known: await nodes.heartbeat(asNodeId(s(r.node))) }),
      RegisterNode: async (r) => {
        const sockets = (r.sockets as Array<Record<string, unknown>>).map((x) => ({
          app: app(x),
          socketId: sock(x),
          ...(x.user_id ? { userId: asUserId(s(x.user_id)) } : {}),
          channels: (x.channels as Array<{ channel: string; member: ProtoMember | null }>).map((c) => ({
            channel: asChannelName(c.channel),
            ...(c.member ? { member: fromProtoMember(c.member) } : {}),
          })),
        }));
        await nodes.register({ node: asNodeId(s(r.node)), sockets });
        logger.info({ node: r.node, sockets: sockets.length }, 'node registered its sockets');
      },
    };
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const [name, handler] of Object.entries(handlers)) implementation[name] = this.unary(name, handler);
    this.server.addService(loadPresenceService().definition, implementation);
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

  private unary(name: string, handler: Handler): grpc.handleUnaryCall<Record<string, unknown>, unknown> {
    return (call, callback) => {
      handler(call.request).then(
        (reply) => callback(null, reply ?? {}),
        (err: unknown) => {
          if (err instanceof DependencyUnavailable) {
            callback({ code: grpc.status.UNAVAILABLE, details: err.message });
            return;
          }
          this.logger.error({ err, rpc: name }, 'presence call failed');
          callback({ code: grpc.status.INTERNAL, details: (err as Error).message });
        },
      );
    };
  }
}

function s(value: unknown): string {
  return typeof value === 'string' ? value : String(value ?? '');
}

const app = (r: Record<string, unknown>) => asAppId(s(r.app));
const sock = (r: Record<string, unknown>) => asSocketId(s(r.socket_id));
const chan = (r: Record<string, unknown>) => asChannelName(s(r.channel));
