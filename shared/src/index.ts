// The public surface of @sockudo-ts/shared: config, protocol, ports and their implementations, telemetry.
export { APP_DEFAULTS, originAllowed, type App, type WebhookConfig, type WebhookFilter } from './apps/app.js';
export type { AppStore } from './apps/app-store.js';
export { MemoryAppStore } from './apps/app-store-memory.js';
export type { Bus, BusHandler, BusMessage, ControlMessage, Subscription } from './bus/bus.js';
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
export type { Presence } from './presence/presence.js';
export { PresenceOwner, type PresenceOwnerOptions } from './presence/presence-owner.js';
export type { NodeRegistry, NodeSnapshot, SocketSnapshot } from './presence/node-registry.js';
export { PresenceNodes } from './presence/presence-nodes.js';
export { GrpcPresenceClient, type GrpcPresenceClientOptions } from './presence/presence-grpc.js';
export { PRESENCE_PROTO, fromProtoMember, loadPresenceService, toProtoMember, type ProtoMember } from './grpc/presence-proto.js';
export type {
  AddConnectionResult,
  ChannelCounts,
  DisconnectResult,
  JoinResult,
  LeaveResult,
  Member,
  PresenceStore,
  SocketRef,
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
export { CloseCode, PusherError, reconnectAdvice, type CloseCodeValue, type ReconnectAdvice } from './protocol/codes.js';
export { encodeError, encodeEvent, encodeInternal, frameData, parseClientFrame, payloadToString, type ClientFrame } from './protocol/frames.js';
export {
  HttpError,
  badRequest,
  forbidden,
  notFound,
  payloadTooLarge,
  tooManyRequests,
  unauthorized,
  unavailable,
} from './protocol/http-errors.js';
export {
  channelAuthString,
  hmacSha256Hex,
  httpStringToSign,
  md5Hex,
  safeEqual,
  signChannel,
  signHttpRequest,
  signUser,
  verifyAuth,
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
export { connectClusterPorts, flushWebhooks, openClusterWebhookQueue, type ClusterPorts } from './service/cluster-ports.js';
