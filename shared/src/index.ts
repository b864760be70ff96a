// The public surface of @sockudo-ts/shared: ids, config, protocol, ports with their in-memory implementations and
// their driver factories, the process shell, telemetry. Drivers that need NATS, Redis, BullMQ or gRPC are loaded
// by the factories on demand, so the embedded server never loads them; their classes are exported for tests and
// tools from `@sockudo-ts/shared/implementations`.
export {
  asAppId,
  asChannelName,
  asDeviceId,
  asNodeId,
  asPublishId,
  asSocketId,
  asUserId,
  type AppId,
  type Branded,
  type ChannelName,
  type DeviceId,
  type NodeId,
  type PublishId,
  type SocketId,
  type UserId,
} from './ids.js';
export { ChannelPublisher, type ChannelEvent, type LastEvent, type PublishOptions } from './publish/channel-publisher.js';
export {
  anyRecovery,
  recoveryPolicy,
  type Appended,
  type LoggedMessage,
  type ReadAfter,
  type RecoveryPolicy,
  type RecoveryReader,
  type ResumeFailure,
  type ResumeFailureCode,
  type Rewind,
  type RewindRead,
  type Sequencer,
  type StreamPosition,
} from './recovery/recovery-log.js';
export { MemoryRecoveryLog, type MemoryRecoveryLogSizes } from './recovery/recovery-log-memory.js';
export { hasV1Prefix, toV2Prefix, withPosition } from './recovery/v2-frame.js';
export {
  DEFAULT_HISTORY_LIMIT,
  HistoryQueryError,
  MAX_HISTORY_LIMIT,
  historyQueryOf,
  type ChannelMessage,
  type HistoryDirection,
  type HistoryItem,
  type HistoryPage,
  type HistoryQuery,
  type HistoryReader,
  type HistoryStore,
  type RetentionRule,
} from './history/history-store.js';
export { MemoryHistoryStore } from './history/history-store-memory.js';
export { RetentionJob, retentionRules } from './history/retention-job.js';
export { ColdRecoveryReader, MAX_COLD_READ } from './history/cold-recovery.js';
export { historyItemOfFrame, recordHistory } from './history/history-recorder.js';
export { openHistoryReader, openHistoryStore } from './drivers/history.js';
export { APP_DEFAULTS, MAX_ORIGIN_LENGTH, globMatches, originAllowed, type App, type AppRecovery, type WebhookConfig, type WebhookFilter } from './apps/app.js';
export type { AppStore } from './apps/app-store.js';
export { MemoryAppStore } from './apps/app-store-memory.js';
export { CachedAppStore, type CachedAppStoreOptions } from './apps/app-store-cached.js';
export type { SqlAppStoreOptions } from './apps/app-store-sql.js';
export type { PostgresAppStore } from './apps/app-store-postgres.js';
export type { MysqlAppStore } from './apps/app-store-mysql.js';
export { AppConflict, type AppPatch, type AppTable } from './apps/app-table.js';
export { PrismaAppTable, openAppTable, type AppDatabase, type ApplicationDelegate, type InvalidRowHandler } from './apps/app-table-prisma.js';
export { appFromRow, rowFromApp, webhooksOf, type ApplicationRow, type ApplicationWrite, type JsonValue } from './apps/app-row.js';
export type { Database, DatabaseOptions } from './db/database.js';
export type { PostgresClient, PostgresDatabase, PostgresDatabaseOptions } from './db/database-postgres.js';
export type { MysqlClient, MysqlDatabase } from './db/database-mysql.js';
export { migrateDatabase, openMysqlDatabase, openPostgresDatabase } from './db/database-open.js';
export { DatabaseNotMigrated, MIGRATE_COMMAND, type MigrationGap } from './db/migrations.js';
export { databaseProvider, databaseUrl, redactUrl, type DatabaseParts, type DatabaseProvider } from './db/database-url.js';
export type { Bus, BusHandler, BusMessage, ControlMessage, PublishPosition, Subscription } from './bus/bus.js';
export { MemoryBus } from './bus/bus-memory.js';
export { DependencyUnavailable, operatorMessage } from './errors/dependency-unavailable.js';
export type { CacheStore, CachedValue } from './cache/cache-store.js';
export { MemoryCacheStore } from './cache/cache-store-memory.js';
export { ConfigError, type ApiSettings, type ChannelSettings, type DriverSettings, type GatewaySettings, type PresenceSettings, type PushSettings, type RateLimiterSettings, type RecoveryConfig, type HistoryConfig, type ListenerConfig, type ServerConfig, type ServerSettings, type TracingSettings, type WebhookSettings } from './config/config.js';
export { buildConfig, configWarnings, loadConfig, substituteEnv, type ConfigSource, type LoadOptions } from './config/load.js';
export { APP_FIELD_DOCS, DEFAULT_APP_ENV, FIELDS, SCHEMA } from './config/schema.js';
export { Setting, setting, type ConfigOf, type Field, type FieldKind, type Section } from './config/setting.js';
export { configReference } from './config/docs.js';
export type { ChannelMembership, ConnectionRegistry, Presence, UserDirectory } from './presence/presence.js';
export { LocalPresence, type LocalPresenceOptions } from './presence/presence-local.js';
export { Outbox, type OutboxOptions } from './presence/outbox.js';
export type { NodeRegistry, NodeSnapshot, SocketSnapshot } from './presence/node-registry.js';
export { LocalNodeRegistry } from './presence/node-registry-local.js';
export { clientTlsOf, grpcAuthenticated, serverTlsOf, type GrpcClientTls, type GrpcServerTls, type GrpcTlsFiles } from './grpc/grpc-auth-config.js';
export type {
  ChannelCounts,
  ChannelsPage,
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
export {
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
  tooManyRequests,
  unauthorized,
  unavailable,
} from './protocol/http-errors.js';
export {
  channelAuthString,
  hexEquals,
  HMAC_MESSAGE_AT,
  HmacSha256Key,
  hmacSha256Hex,
  httpStringToSign,
  md5Hex,
  safeEqual,
  signChannel,
  signHttpRequest,
  signinAuthString,
  writeLatin1,
  signUser,
  verifyAuth,
  type HttpParams,
} from './protocol/signing.js';
export {
  DEFAULT_RETRY,
  PermanentFailure,
  Deferred,
  retryDelay,
  type DeadLetter,
  type DeadLetterCounter,
  type DeadLetterWriter,
  type GroupedQueue,
  type JobContext,
  type JobHandler,
  type JobOptions,
  type JobQueue,
  type RetryPolicy,
} from './queue/job-queue.js';
export { MemoryJobQueue } from './queue/job-queue-memory.js';
export { LogThrottle, createLogger, type Logger, type LoggerOptions } from './telemetry/logger.js';
export { LocalHistogram, Metrics, type AppMetrics, type HistogramSeries } from './telemetry/metrics.js';
export { registerQueueGauges } from './telemetry/queue-gauges.js';
export { activeTracing, serviceName, startTracing, stopTracing, tracingEnabled, type DeliverySpan, type PublishSpan, type RequestInfo, type TraceScope, type Tracing, type TracingStart } from './telemetry/tracing.js';
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
  type WebhookQueue,
} from './webhooks/jobs.js';
export { QueueWebhookSink, type QueueWebhookSinkOptions } from './webhooks/webhook-sink-queue.js';
export { WebhookDeadLetters, type WebhookDeadLetter } from './webhooks/dead-letters.js';
export {
  INTEREST_MAX_LENGTH,
  MAX_INTERESTS_PER_DEVICE,
  METADATA_MAX_BYTES,
  PLATFORMS,
  TOKEN_MAX_LENGTH,
  USER_ID_MAX_LENGTH,
  deviceAddressKey,
  interestProblem,
  interestsProblem,
  metadataProblem,
  registrationProblem,
  subscriptionProblem,
  tokenProblem,
  userIdProblem,
  type Device,
  type DeviceAddress,
  type DeviceRegistration,
  type DeviceUpdate,
  type Platform,
  type WebPushSubscription,
} from './push/device.js';
export {
  APNS_VOIP_PAYLOAD_LIMIT,
  MAX_TTL_SECONDS,
  PAYLOAD_LIMITS,
  apnsBody,
  fcmPayloadBytes,
  notificationProblem,
  payloadBytes,
  payloadLimit,
  webBody,
  type ApnsNotification,
  type ApnsPushType,
  type FcmNotification,
  type NotificationProblem,
  type PushNotification,
  type WebNotification,
} from './push/notification.js';
export {
  MAX_INTERESTS_PER_PUBLISH,
  MAX_USERS_PER_PUBLISH,
  PUSH_JOB_VERSION,
  PUSH_QUEUE,
  isPushJob,
  newPublishId,
  platformExpiry,
  publishTargetProblem,
  type DeliverJob as PushDeliverJob,
  type PublishJob,
  type PublishTarget,
  type PushJob,
} from './push/jobs.js';
export {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  pageLimit,
  type DeviceFilter,
  type DeviceRegistry,
  type DeviceStore,
  type InterestIndex,
  type Page,
  type PageOptions,
  type UserIndex,
} from './push/device-store.js';
export { MemoryDeviceStore } from './push/device-store-memory.js';
export {
  DEFAULT_PUBLISH_STATUS_TTL_SECONDS,
  PUBLISH_OUTCOMES,
  publishState,
  withState,
  type PublishOutcome,
  type PublishState,
  type PublishStatus,
  type PublishStatusStore,
  type StoredStatus,
} from './push/publish-status.js';
export { MemoryPublishStatusStore } from './push/publish-status-store-memory.js';
export { PushDeadLetters, type PushDeadLetter } from './push/dead-letters.js';
export { cacheKey, cacheMissKey } from './cache/keys.js';
export { answerClientError, bufferedBody, readBody, sendJson, sendText } from './http/http.js';
export { healthRoutes, type HealthOptions, type RequestRoute } from './http/health.js';
export { ResponseBatch, type HeaderList } from './http/response-batch.js';
export { atTurnEnd, type TurnStage } from './service/turn-end.js';
export { HttpListener, ListenError, type ListenerHandlers, type ListenerSettings, type UpgradeListener } from './http/listener.js';
export { DriverSet, type Opened, type ReadinessProbe } from './drivers/opened.js';
export { openAppStore, openSqlAppStore } from './drivers/apps.js';
export { openBus, type BusDriverOptions } from './drivers/bus.js';
export { openCache } from './drivers/cache.js';
export { createListener, listenerSettings, type ListenerKeys } from './drivers/listener.js';
export { openPresenceStore, openRemotePresence, type RemotePresenceOptions } from './drivers/presence.js';
export { openQueue, type QueueDriverOptions } from './drivers/queue.js';
export { openDeviceStore, openPublishStatusStore, openPushStores, pushRetry, type PushStores } from './drivers/push.js';
export { openRateLimits } from './drivers/rate-limiter.js';
export { clientAddress, decide, rateLimitHeaders, retryAfterSeconds, type RateDecision, type RateLimiter } from './ratelimit/rate-limiter.js';
export { MemoryRateLimiter } from './ratelimit/rate-limiter-memory.js';
export { RateLimits, type RateLimitCounter } from './ratelimit/rate-limits.js';
export { openWebhookQueue, openWebhookSink } from './webhooks/settings.js';
export {
  runProcess,
  startProcess,
  type Announcement,
  type Compose,
  type Composition,
  type ProcessContext,
  type ProcessRole,
  type RunningProcess,
} from './service/process.js';
export { defineService, type Service, type ServiceHooks } from './service/service.js';
export { openClusterPorts, type ClusterPorts, type ClusterRecovery } from './service/cluster-ports.js';
