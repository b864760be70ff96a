import {
  CloseCode,
  DependencyUnavailable,
  asChannelName,
  encodeInternal,
  frameData,
  type AppId,
  type ChannelName,
  type ClientFrame,
  type ReadAfter,
  type ResumeFailure,
  type Rewind,
  type StreamPosition,
} from '@sockudo-ts/shared';
import { MAX_ARMED_POSITIONS, type Connection } from '../connection.js';
import type { GatewayContext, GatewayRecovery } from '../context.js';
import type { ChannelHistory, Written } from '../local-channels.js';

/** V2_ENABLED is the answer to `sockudo:enable_v2`. */
export const V2_ENABLED = encodeInternal('sockudo:v2_enabled', { protocol: 2 });

/**
 * handleEnableV2 runs `sockudo:enable_v2`: a socket that connected with Pusher's protocol (pusher-js always
 * sends protocol=7) opts in to V2, so its broadcasts carry serial, stream_id and message_id and it may resume
 * and rewind. Answered with `sockudo:v2_enabled`.
 */
export function handleEnableV2(_ctx: GatewayContext, conn: Connection): void {
  conn.enableV2();
  conn.send(V2_ENABLED);
}

/** ResumeAnswer is one channel's entry in `sockudo:resume_success`: recovered or failed. */
type ResumeAnswer = Record<string, unknown>;

/**
 * handleResume runs `sockudo:resume {channel_positions: {channel: {serial, stream_id}}}` on a V2 socket. For
 * each channel the socket is subscribed to, live frames are held, the missed events are replayed from the
 * recovery log, then the held frames follow (less those the replay held). A channel the socket has not
 * subscribed to yet keeps its position for the coming subscribe, which replays and answers on its own. Every
 * failed channel gets `sockudo:resume_failed` with Sockudo's code; then one `sockudo:resume_success
 * {recovered, failed}` closes the frame.
 */
export async function handleResume(ctx: GatewayContext, conn: Connection, frame: ClientFrame): Promise<void> {
  const recovery = ctx.recovery;
  if (!conn.isV2) {
    conn.sendError(CloseCode.ChannelError, 'sockudo:resume needs a V2 socket: connect with ?protocol=2 or send sockudo:enable_v2');
    return;
  }
  if (recovery === undefined || !recovery.enabled(conn.app.id)) {
    // why: 4301 and 4302 are Sockudo's codes for these two refusals.
    conn.sendError(4301, 'Connection recovery is not enabled');
    return;
  }
  const positions = resumePositions(frameData(frame));
  if (positions === undefined || positions.size === 0) {
    conn.sendError(4302, 'No channel recovery positions provided');
    return;
  }
  const recovered: ResumeAnswer[] = [];
  const failed: ResumeAnswer[] = [];
  for (const [channel, position] of positions) {
    if (conn.subscription(channel)?.active !== true) {
      if (!conn.armResume(channel, position)) failed.push(failedEntry(channel, failure('continuity_unverifiable', 'too_many_pending_positions'), conn, ctx));
      continue;
    }
    ctx.channels.hold(conn.app.id, channel, conn);
    const read = await readAfter(recovery, conn.app.id, channel, position, ctx);
    if (read.ok) {
      const history = { streamId: read.streamId, messages: read.messages };
      const written = ctx.channels.release(conn.app.id, channel, conn, history);
      recovered.push(recoveredEntry(channel, history, written, position, ctx, read.source));
    } else {
      ctx.channels.release(conn.app.id, channel, conn);
      failed.push(failedEntry(channel, read, conn, ctx));
    }
  }
  conn.send(encodeInternal('sockudo:resume_success', { recovered, failed }));
}

/**
 * resumeOnSubscribe reads the events after a position kept by an earlier `sockudo:resume`, for a subscribe to
 * replay; the answer goes out once the subscription is live (see answerResume).
 */
export async function resumeOnSubscribe(ctx: GatewayContext, conn: Connection, channel: ChannelName, position: StreamPosition): Promise<ReadAfter> {
  if (ctx.recovery === undefined || !ctx.recovery.enabled(conn.app.id)) return failure('persistence_unavailable', 'recovery_disabled');
  return readAfter(ctx.recovery, conn.app.id, channel, position, ctx);
}

/** answerResume sends the outcome of a subscribe's resume: resume_failed when it failed, then resume_success. */
export function answerResume(ctx: GatewayContext, conn: Connection, channel: ChannelName, read: ReadAfter, position: StreamPosition, written: Written): void {
  if (read.ok) {
    const entry = recoveredEntry(channel, { streamId: read.streamId, messages: read.messages }, written, position, ctx, read.source);
    conn.send(encodeInternal('sockudo:resume_success', { recovered: [entry], failed: [] }));
  } else {
    conn.send(encodeInternal('sockudo:resume_success', { recovered: [], failed: [failedEntry(channel, read, conn, ctx)] }));
  }
}

/**
 * rewindOf reads a subscribe's `rewind`: a count (`5` or `{count: 5}`) or a time window (`{seconds: 30}`);
 * undefined when absent or malformed. Counts are capped at `max`.
 */
export function rewindOf(raw: unknown, max: number): Rewind | undefined {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw > 0) return { count: Math.min(raw, max) };
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { count, seconds } = raw as { count?: unknown; seconds?: unknown };
  if (typeof count === 'number' && Number.isInteger(count) && count > 0) return { count: Math.min(count, max) };
  if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0) return { seconds };
  return undefined;
}

/** MAX_REWIND is the largest rewind count honoured. */
export const MAX_REWIND = 1000;

async function readAfter(recovery: GatewayRecovery, appId: AppId, channel: ChannelName, position: StreamPosition, ctx: GatewayContext): Promise<ReadAfter> {
  try {
    return await recovery.reader.readAfter(appId, channel, position);
  } catch (err) {
    if (!(err instanceof DependencyUnavailable)) ctx.logger.error({ err, app_id: appId, channel }, 'recovery read failed');
    return failure('persistence_unavailable', 'recovery_log_unavailable');
  }
}

function recoveredEntry(channel: ChannelName, history: ChannelHistory, written: Written, position: StreamPosition, ctx: GatewayContext, source: 'hot' | 'history' = 'hot'): ResumeAnswer {
  const last = history.messages[history.messages.length - 1];
  ctx.recoveryMetrics.resumes.inc({ outcome: 'recovered' });
  ctx.recoveryMetrics.recoveredMessages.inc(written.history);
  return {
    channel,
    source,
    replayed: written.history,
    position: { stream_id: history.streamId, serial: last?.serial ?? position.serial, last_message_id: last?.messageId ?? null },
  };
}

/** failedEntry sends `sockudo:resume_failed` for the channel and returns its entry for resume_success. */
function failedEntry(channel: ChannelName, f: ResumeFailure, conn: Connection, ctx: GatewayContext): ResumeAnswer {
  ctx.recoveryMetrics.resumes.inc({ outcome: f.code });
  const detail = {
    code: f.code,
    reason: f.reason,
    current_stream_id: f.currentStreamId ?? null,
    oldest_available_serial: f.oldestSerial ?? null,
    newest_available_serial: f.newestSerial ?? null,
  };
  conn.send(encodeInternal('sockudo:resume_failed', detail, channel));
  return { channel, ...detail };
}

function failure(code: ResumeFailure['code'], reason: string): ResumeFailure {
  return { ok: false, code, reason };
}

/**
 * resumePositions reads `channel_positions` ({channel: {serial, stream_id?}}) or Sockudo's older
 * `channel_serials` ({channel: serial}); undefined when neither is there. Malformed entries are left out;
 * at most MAX_ARMED_POSITIONS channels are read.
 */
function resumePositions(data: Record<string, unknown> | undefined): Map<ChannelName, StreamPosition> | undefined {
  const out = new Map<ChannelName, StreamPosition>();
  const positions = data?.channel_positions;
  const serials = data?.channel_serials;
  if (isObject(positions)) {
    for (const [channel, raw] of Object.entries(positions)) {
      if (out.size >= MAX_ARMED_POSITIONS) break;
      if (!isObject(raw) || !isSerial(raw.serial)) continue;
      out.set(asChannelName(channel), typeof raw.stream_id === 'string' ? { serial: raw.serial, streamId: raw.stream_id } : { serial: raw.serial });
    }
    return out;
  }
  if (isObject(serials)) {
    for (const [channel, serial] of Object.entries(serials)) {
      if (out.size >= MAX_ARMED_POSITIONS) break;
      if (isSerial(serial)) out.set(asChannelName(channel), { serial });
    }
    return out;
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSerial(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
