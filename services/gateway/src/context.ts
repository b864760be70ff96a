import type { AppId, ChannelMembership, ChannelPublisher, ClientFrame, HistoryReader, Logger, Metrics, RecoveryReader, ServerConfig, UserDirectory, WebhookSink } from '@sockudo-ts/shared';
import type { Connection } from './connection.js';
import type { LocalChannels } from './local-channels.js';
import type { UserIndex } from './users.js';

/** GatewaySettings is the slice of the server config the gateway reads (timeouts in seconds). */
export type GatewaySettings = Pick<ServerConfig, 'activity_timeout' | 'pong_timeout' | 'user_authentication_timeout' | 'websocket'>;

/** LocalSubscriptions is what handlers do with this node's channel index: join, confirm, hold for a replay, leave. */
export type LocalSubscriptions = Pick<LocalChannels, 'add' | 'activate' | 'hold' | 'release' | 'remove'>;

/** RecoveryMetrics are the counters of resume and rewind. */
export type RecoveryMetrics = Pick<Metrics, 'recoveredMessages' | 'resumes'>;

/**
 * GatewayRecovery is what resume and rewind need: whether an app has serials, the reader of its channels'
 * recent events, and the counters.
 */
export interface GatewayRecovery {
  enabled(appId: AppId): boolean;
  readonly reader: RecoveryReader;
  /** history answers `sockudo:channel_history`; undefined while `[history]` is off. */
  readonly history?: HistoryReader;
}

/** SignedInSockets is what handlers do with this node's user index: record sign-ins and watchlists. */
export type SignedInSockets = Pick<UserIndex, 'addSocket' | 'watch'>;

/** ChannelSender is what handlers need of the publish pipeline: client events out, cache channels' last event in. */
export type ChannelSender = Pick<ChannelPublisher, 'publish' | 'lastEvent'>;

/**
 * GatewayContext is everything a frame handler may use besides its socket: this node's channel and user
 * indexes, cluster-wide presence, the publish pipeline (bus and cache behind it), webhooks, settings and
 * the logger. Handlers never see the gateway, its sockets or its transport.
 */
export interface GatewayContext {
  readonly channels: LocalSubscriptions;
  readonly users: SignedInSockets;
  readonly presence: ChannelMembership & UserDirectory;
  readonly publisher: ChannelSender;
  readonly webhooks: WebhookSink;
  readonly settings: GatewaySettings;
  readonly logger: Logger;
  /** limited counts a request refused by an abuse limit (metrics), by the limit's name. */
  readonly limited: (limit: string) => void;
  /** recovery is set when serials are on for some app (`[recovery] enabled`); undefined otherwise. */
  readonly recovery?: GatewayRecovery;
  readonly recoveryMetrics: RecoveryMetrics;
}

/**
 * FrameHandler handles one client frame on one socket. The gateway runs a socket's handlers strictly one
 * after another in arrival order, so a handler may await without another frame of its socket interleaving.
 * A thrown DependencyUnavailable is answered with a retry-later pusher:error, anything else with an
 * internal-error one.
 */
export type FrameHandler = (ctx: GatewayContext, conn: Connection, frame: ClientFrame) => void | Promise<void>;
