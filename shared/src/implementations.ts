// The concrete driver classes of @sockudo-ts/shared (NATS, Redis, BullMQ, gRPC), for tests, tools and the
// presence service's gRPC server. Services open drivers through the factories of the main entry point instead,
// which load these modules only when the config asks for them.
export { NatsBus, natsAuthOptions, type NatsAuth, type NatsBusOptions } from './bus/bus-nats.js';
export { JetStreamBus, SERIALS_PER_MESSAGE, isRecoveryReader, serialOf, type JetStreamBusOptions } from './bus/bus-jetstream.js';
export { ENVELOPE_VERSION, HEADER, decodeChannelMessage, decodeControlMessage, encodeChannelMessage, encodeControlMessage, newMessageId, type Envelope } from './bus/envelope.js';
export { channelSubject, controlSubject, decodeToken, encodeToken } from './bus/subjects.js';
export { RedisCacheStore, type RedisCacheStoreOptions } from './cache/cache-store-redis.js';
export { GrpcPresence, PRESENCE_MAX_MESSAGE_BYTES, type GrpcPresenceOptions } from './presence/presence-grpc.js';
export { clientCredentials, GRPC_AUTH_KEY, serverCredentials, TokenGuard, tokenMetadata } from './grpc/grpc-auth.js';
export { PresenceServiceClient, PresenceServiceService, type PresenceServiceServer } from './grpc/gen/presence.js';
export {
  channelsFromWire,
  channelsPageToWire,
  channelsToWire,
  connectResultFromWire,
  countsFromWire,
  countsToWire,
  memberFromWire,
  memberToWire,
  snapshotFromWire,
  snapshotToWire,
  subscribeResultFromWire,
  subscribeResultToWire,
  UNAVAILABLE_BEHIND_KEY,
} from './grpc/presence-wire.js';
export { RedisPresenceStore, type RedisPresenceStoreOptions } from './presence/presence-store-redis.js';
export type { RedisOptions } from './redis/redis-connection.js';
export { BullMqJobQueue, type BullMqJobQueueOptions } from './queue/job-queue-bullmq.js';
export { RedisPublishStatusStore, type RedisPublishStatusStoreOptions } from './push/publish-status-store-redis.js';
export { PrismaDeviceStore } from './push/device-store-prisma.js';
export { PrismaHistoryStore } from './history/history-store-prisma.js';
export { RedisBus, type RedisBusOptions } from './bus/bus-redis.js';
export { RedisClusterBus, type RedisClusterBusOptions } from './bus/bus-redis-cluster.js';
export { RedisRateLimiter, type RedisRateLimiterOptions } from './ratelimit/rate-limiter-redis.js';
export { historyStreamName, historyStreamsPrefix, JetStreamHistoryConsumer, type HistoryConsumerOptions } from './history/history-consumer-jetstream.js';
export { GrpcHistoryReader, GrpcHistoryServer, pageFromWire, pageToWire, queryFromWire, queryToWire, type GrpcHistoryReaderOptions, type GrpcHistoryServerOptions, type HistoryReader } from './history/history-grpc.js';
