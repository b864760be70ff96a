import * as grpc from '@grpc/grpc-js';
import { DependencyUnavailable } from '../errors/dependency-unavailable.js';
import type { GrpcClientTls, GrpcServerTls } from '../grpc/grpc-auth-config.js';
import { clientCredentials, serverCredentials, TokenGuard, tokenMetadata } from '../grpc/grpc-auth.js';
import { HistoryServiceClient, HistoryServiceService, type HistoryServiceServer, type ReadPageReply, type ReadPageRequest } from '../grpc/gen/history.js';
import { asAppId, asChannelName, type AppId, type ChannelName } from '../ids.js';
import type { Logger } from '../telemetry/logger.js';
import { HistoryQueryError, type HistoryDirection, type HistoryPage, type HistoryQuery, type HistoryReader } from './history-store.js';

export type { HistoryReader };

/** HISTORY_MAX_MESSAGE_BYTES bounds a history reply: 1000 items of events up to the publish size limit. */
export const HISTORY_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

const UNAVAILABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);

/** queryToWire writes a history query as a ReadPage request. */
export function queryToWire(app: AppId, channel: ChannelName, q: HistoryQuery): ReadPageRequest {
  return {
    app,
    channel,
    limit: q.limit ?? 0,
    direction: q.direction ?? '',
    cursor: q.cursor ?? '',
    streamId: q.stream_id ?? '',
    hasStartSerial: q.start_serial !== undefined,
    startSerial: q.start_serial ?? 0,
    hasEndSerial: q.end_serial !== undefined,
    endSerial: q.end_serial ?? 0,
    hasStartTimeMs: q.start_time_ms !== undefined,
    startTimeMs: q.start_time_ms ?? 0,
    hasEndTimeMs: q.end_time_ms !== undefined,
    endTimeMs: q.end_time_ms ?? 0,
  };
}

/** queryFromWire reads a ReadPage request back into a history query. */
export function queryFromWire(r: ReadPageRequest): HistoryQuery {
  const q: HistoryQuery = {};
  if (r.limit !== 0) q.limit = r.limit;
  if (r.direction !== '') q.direction = r.direction as HistoryDirection;
  if (r.cursor !== '') q.cursor = r.cursor;
  if (r.streamId !== '') q.stream_id = r.streamId;
  if (r.hasStartSerial) q.start_serial = r.startSerial;
  if (r.hasEndSerial) q.end_serial = r.endSerial;
  if (r.hasStartTimeMs) q.start_time_ms = r.startTimeMs;
  if (r.hasEndTimeMs) q.end_time_ms = r.endTimeMs;
  return q;
}

/** pageToWire writes a page as a ReadPage reply. */
export function pageToWire(page: HistoryPage): ReadPageReply {
  return {
    items: page.items.map((i) => ({ serial: i.serial, streamId: i.stream_id, messageId: i.message_id, event: i.event, data: i.data, publishedAtMs: i.published_at_ms, userId: i.user_id ?? '' })),
    direction: page.direction,
    limit: page.limit,
    hasMore: page.has_more,
    nextCursor: page.next_cursor ?? '',
  };
}

/** pageFromWire reads a ReadPage reply back into the API's page shape. */
export function pageFromWire(r: ReadPageReply): HistoryPage {
  return {
    items: r.items.map((i) => ({ serial: i.serial, stream_id: i.streamId, message_id: i.messageId, event: i.event, data: i.data, published_at_ms: i.publishedAtMs, ...(i.userId !== '' ? { user_id: i.userId } : {}) })),
    direction: r.direction as HistoryDirection,
    limit: r.limit,
    has_more: r.hasMore,
    next_cursor: r.nextCursor === '' ? null : r.nextCursor,
  };
}

/** GrpcHistoryReaderOptions say where the history service listens and how long a read may take. */
export interface GrpcHistoryReaderOptions {
  /** url is the history service's `host:port`. */
  url: string;
  deadlineMs?: number;
  /** token is sent with every call (`authorization: Bearer <token>`) when not empty (history.grpc_token). */
  token?: string;
  /** tls connects with TLS (history.grpc_tls: the CA, and the client certificate when the service asks for one). */
  tls?: GrpcClientTls;
}

/**
 * GrpcHistoryReader reads history pages from the history service over proto/history.proto, with the shared token
 * and TLS of the internal gRPC planes (grpc-auth.ts). A bad query comes back as HistoryQueryError
 * (INVALID_ARGUMENT); a service that is down or late as DependencyUnavailable('history'); a refused token or
 * certificate as an Error that says so.
 */
export class GrpcHistoryReader implements HistoryReader {
  private readonly client: HistoryServiceClient;
  private readonly metadata: grpc.Metadata;

  constructor(private readonly options: GrpcHistoryReaderOptions) {
    this.metadata = tokenMetadata(options.token);
    this.client = new HistoryServiceClient(options.url, clientCredentials(options.tls), {
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.max_receive_message_length': HISTORY_MAX_MESSAGE_BYTES,
    });
  }

  read(app: AppId, channel: ChannelName, query: HistoryQuery = {}): Promise<HistoryPage> {
    return new Promise((resolve, reject) => {
      this.client.readPage(queryToWire(app, channel, query), this.metadata, { deadline: Date.now() + (this.options.deadlineMs ?? 2000) }, (err, reply) => {
        if (err === null) return resolve(pageFromWire(reply));
        if (err.code === grpc.status.INVALID_ARGUMENT) return reject(new HistoryQueryError(err.details));
        if (UNAVAILABLE.has(err.code)) return reject(new DependencyUnavailable('history', 'the history service is unavailable', `${this.options.url} ReadPage: ${err.details || err.message}`));
        reject(new Error(`history service ReadPage failed: ${err.details || err.message}`));
      });
    });
  }

  close(): void {
    this.client.close();
  }
}

/** GrpcHistoryServerOptions secure the history service's reads: a shared token, TLS (as the presence service's). */
export interface GrpcHistoryServerOptions {
  /** token, when not empty, must come with every call as `authorization: Bearer <token>` (else UNAUTHENTICATED). */
  token?: string;
  /** tls serves with TLS (cert and key, PEM); with `ca`, clients must present a certificate it signed. */
  tls?: GrpcServerTls;
}

/**
 * GrpcHistoryServer serves proto/history.proto over a history store: a call without the token answers
 * UNAUTHENTICATED, a bad query INVALID_ARGUMENT with the store's words, a store that is unavailable UNAVAILABLE.
 */
export class GrpcHistoryServer {
  private readonly server = new grpc.Server({ 'grpc.max_send_message_length': HISTORY_MAX_MESSAGE_BYTES });

  constructor(store: HistoryReader, private readonly logger: Logger, private readonly options: GrpcHistoryServerOptions = {}) {
    const guard = new TokenGuard(options.token, 'history.grpc_token');
    const implementation: HistoryServiceServer = {
      readPage: (call, callback) => {
        const refusal = guard.refusal(call.metadata);
        if (refusal !== undefined) {
          callback({ ...refusal, details: `history service: ${refusal.details}` });
          return;
        }
        const r = call.request;
        if (r.app === '' || r.app.length > 200 || r.channel === '' || r.channel.length > 200) {
          callback({ code: grpc.status.INVALID_ARGUMENT, details: 'app and channel must be given' });
          return;
        }
        let query: HistoryQuery;
        try {
          query = queryFromWire(r);
        } catch (err) {
          callback({ code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message });
          return;
        }
        store.read(asAppId(r.app), asChannelName(r.channel), query).then(
          (page) => callback(null, pageToWire(page)),
          (err: unknown) => {
            if (err instanceof HistoryQueryError) return callback({ code: grpc.status.INVALID_ARGUMENT, details: err.message });
            if (err instanceof DependencyUnavailable) return callback({ code: grpc.status.UNAVAILABLE, details: err.message });
            this.logger.error({ err }, 'history read failed');
            callback({ code: grpc.status.INTERNAL, details: (err as Error).message });
          },
        );
      },
    };
    this.server.addService(HistoryServiceService, implementation);
  }

  /** listen binds `host:port` (port 0 picks a free one) and resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, serverCredentials(this.options.tls), (err, bound) => (err ? reject(err) : resolve(bound)));
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
}
