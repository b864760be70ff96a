// The public surface of @sockudo-ts/shared: config, protocol, ports and their implementations, telemetry.
export { asAppId, asChannelName, asNodeId, asSocketId, asUserId, type AppId, type Branded, type ChannelName, type NodeId, type SocketId, type UserId } from './ids.js';
export { ChannelPublisher, type ChannelEvent, type LastEvent, type PublishOptions } from './publish/channel-publisher.js';
export { APP_DEFAULTS, originAllowed, type App, type WebhookConfig, type WebhookFilter } from './apps/app.js';
export type { AppStore } from './apps/app-store.js';
export { MemoryAppStore } from './apps/app-store-memory.js';
export type { Bus, BusHandler, BusMessage, ControlMessage, PublishPosition, Subscription } from './bus/bus.js';
export { MemoryBus } from './bus/bus-memory.js';
export { NatsBus, type NatsBusOptions } from './bus/bus-nats.js';
export { ENVELOPE_VERSION, HEADER, decodeChannelMessage, decodeControlMessage, encodeChannelMessage, encodeControlMessage, newMessageId, type Envelope } from './bus/envelope.js';
export { channelSubject, controlSubject, decodeToken, encodeToken } from './bus/subjects.js';
export { DependencyUnavailable } from './errors/dependency-unavailable.js';
export type { CacheStore, CachedValue } from './cache/cache-store.js';
export { MemoryCacheStore } from './cache/cache-store-memory.js';
export { RedisCacheStore, type RedisCacheStoreOptions } from './cache/cache-store-redis.js';
export { ConfigError, type ServerConfig } from './config/config.js';
export { buildConfig, configPathFromArgv, loadConfig, readConfigFile, substituteEnv, type ConfigSource, type LoadOptions } from './config/load.js';
export { APP_FIELD_DOCS, DEFAULT_APP_ENV, FIELDS, type Field, type FieldKind } from './config/schema.js';
export { configReference } from './config/docs.js';
export type { ChannelMembership, ConnectionRegistry, Presence, UserDirectory } from './presence/presence.js';
export { LocalPresence, type LocalPresenceOptions } from './presence/presence-local.js';
export type { NodeRegistry, NodeSnapshot, SocketSnapshot } from './presence/node-registry.js';
export { LocalNodeRegistry } from './presence/node-registry-local.js';
export { GrpcPresence, type GrpcPresenceOptions } from './presence/presence-grpc.js';
export { PRESENCE_PROTO, fromProtoMember, loadPresenceService, toProtoMember, type ProtoMember } from './grpc/presence-proto.js';
export type {
  ChannelCounts,
  ConnectResult,
  ConnectionStore,
  DisconnectResult,
  Member,
  MembershipStore,
  NodeStore,
  PresenceStore,
  SocketRef,
  SubscribeResult,
  UnsubscribeResult,
  UserStore,
} from './presence/presence-store.js';
export { MemoryPresenceStore } from './presence/presence-store-memory.js';
export { RedisPresenceStore, type RedisPresenceStoreOptions } from './presence/presence-store-redis.js';
export type { RedisOptions } from './redis/redis-connection.js';
export {
  SERVER_TO_USER_PREFIX,
  channelNameProblem,
  channelType,
  isCacheChannel,
  isPresenceChannel,
  needsAuth,
  serverToUserId,
  type ChannelKind,
  type ChannelType,
} from './protocol/channels.js';
export { CloseCode, PusherError, type CloseCodeValue } from './protocol/codes.js';
export { encodeError, encodeEvent, encodeInternal, frameData, memberEventOf, parseClientFrame, payloadToString, type ClientFrame, type MemberEvent } from './protocol/frames.js';
export { isSocketId, newSocketId } from './protocol/socket-id.js';
export {
  HttpError,
  badRequest,
  forbidden,
  notFound,
  payloadTooLarge,
  unauthorized,
  unavailable,
} from './protocol/http-errors.js';
export {
  channelAuthString,
  hexDigestEquals,
  hmacSha256,
  hmacSha256Hex,
  httpStringToSign,
  md5,
  md5Hex,
  safeEqual,
  signChannel,
  signHttpRequest,
  signinAuthString,
  signUser,
  verifyAuth,
  type HttpParams,
} from './protocol/signing.js';
export {
  DEFAULT_RETRY,
  PermanentFailure,
  retryDelay,
  type DeadLetter,
  type DeadLetterCounter,
  type JobContext,
  type JobHandler,
  type JobOptions,
  type JobQueue,
  type RetryPolicy,
} from './queue/job-queue.js';
export { MemoryJobQueue } from './queue/job-queue-memory.js';
export { BullMqJobQueue, type BullMqJobQueueOptions } from './queue/job-queue-bullmq.js';
export { createLogger, type Logger, type LoggerOptions } from './telemetry/logger.js';
export { Metrics, type AppMetrics } from './telemetry/metrics.js';
export { NullWebhookSink, type WebhookEvent, type WebhookSink } from './webhooks/events.js';
export {
  WEBHOOK_JOB_VERSION,
  WEBHOOK_QUEUE,
  deliverJobs,
  endpointWants,
  heldJobId,
  isWebhookJob,
  type DeliverJob,
  type ReleaseJob,
  type WebhookJob,
} from './webhooks/jobs.js';
export { QueueWebhookSink, type QueueWebhookSinkOptions } from './webhooks/webhook-sink-queue.js';
export { WebhookDeadLetters, type WebhookDeadLetter } from './webhooks/dead-letters.js';
export { openWebhookQueue, queueRedisUrl, webhookRetryPolicy } from './webhooks/settings.js';
export { cacheKey, cacheMissKey } from './cache/keys.js';
export { answerClientError, handleHealth, listen, readBody, sendJson, sendText } from './http/http.js';
export { bootConfig, startOrExit, stopOnSignals } from './service/process.js';
export type { Service } from './service/service.js';
export { connectClusterPorts, flushWebhooks, openClusterWebhookQueue, type ClusterPorts } from './service/cluster-ports.js';
