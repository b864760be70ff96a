import { Counter } from 'prom-client';
import { defineService, openBus, openHistoryStore, RetentionJob, retentionRules, serverTlsOf, type Composition, type ProcessContext } from '@sockudo-ts/shared';

/**
 * composeHistory composes the history service: a durable JetStream consumer (shared by every replica) storing
 * the sequenced channel stream in the `channel_history` table of PostgreSQL in batches, the retention job, and
 * page reads over gRPC (proto/history.proto) for the api.
 * It refuses to start against a database without the migrations (naming `npm run db:migrate`).
 */
export async function composeHistory(ctx: ProcessContext): Promise<Composition> {
  const { config, drivers, logger, metrics } = ctx;
  const store = await drivers.open(openHistoryStore(config, 'postgres'));
  // why: the consumer needs the NATS connection itself, not the fan-out bus; the NatsBus opened here owns it.
  const bus = await drivers.open(openBus(config, { logger }, 'nats'));
  const { GrpcHistoryServer, JetStreamHistoryConsumer, NatsBus } = await import('@sockudo-ts/shared/implementations');
  if (!(bus instanceof NatsBus)) throw new Error('the history service needs the NATS bus');
  const stored = new Counter({ name: `${metrics.prefix}history_messages_stored_total`, help: 'Channel events the history service stored', registers: [metrics.registry] });
  const duplicates = new Counter({ name: `${metrics.prefix}history_messages_duplicate_total`, help: 'Channel events delivered again that were stored already (redelivery after a crash)', registers: [metrics.registry] });
  const dropped = new Counter({ name: `${metrics.prefix}history_messages_dropped_total`, help: 'Stored events the retention job dropped', registers: [metrics.registry] });
  const prefix = config.adapter.nats.prefix;
  const consumer = new JetStreamHistoryConsumer(bus.connection, {
    prefix,
    store,
    batchSize: config.history.batch_size,
    streamMaxAgeSeconds: config.history.stream_max_age_seconds,
    streamMaxBytes: config.history.stream_max_bytes,
    logger,
    onStored: (s, d) => {
      stored.inc(s);
      duplicates.inc(d);
    },
  });
  const retention = new RetentionJob(store, () => retentionRules(config.history, config.app_manager.array.apps), config.history.retention_interval_seconds * 1000, logger, (n) => dropped.inc(n));
  const tls = serverTlsOf(config.history.grpc_tls);
  const server = new GrpcHistoryServer(store, logger, { token: config.history.grpc_token, ...(tls === undefined ? {} : { tls }) });
  let grpcPort = config.history.grpc_port;
  return {
    services: [
      defineService('history-grpc', { start: async () => void (grpcPort = await server.listen(config.history.grpc_host, config.history.grpc_port)), stop: (graceMs) => server.stop(graceMs) }),
      defineService('history-consumer', { start: () => consumer.start(), stop: () => consumer.stop() }),
      defineService('history-retention', { start: () => retention.start(), stop: () => retention.stop() }),
    ],
    announce: () => ({ msg: 'history service storing the channel stream', fields: { prefix, grpc_port: grpcPort, pid: process.pid }, stopping: 'history service stopping' }),
  };
}
