import type { App } from '../apps/app.js';
import type { RecoveryConfig } from '../config/config.js';
import type { AppId, ChannelName, SocketId } from '../ids.js';

/** LoggedMessage is one published event as a channel's recovery log keeps it. */
export interface LoggedMessage {
  /** serial increases by one per event on the channel, from 1. */
  serial: number;
  /** messageId identifies the event for de-duplication (`message_id` on the wire). */
  messageId: string;
  /** frame is the event's V1 frame text, as a plain Pusher socket receives it. */
  frame: string;
  /** except is the socket that published it as a client event (never sent back to it). */
  except?: SocketId;
  /** at is when it was published, in ms since the epoch. */
  at: number;
}

/** StreamPosition is a point in a channel's stream, as a client remembers it. */
export interface StreamPosition {
  serial: number;
  /** streamId is absent for a client that only kept serials; such a position cannot be verified. */
  streamId?: string;
}

/** ResumeFailureCode is Sockudo's reason code for a channel that cannot be resumed. */
export type ResumeFailureCode = 'position_expired' | 'stream_reset' | 'continuity_unverifiable' | 'persistence_unavailable';

/** ResumeFailure says why a channel cannot be resumed, with the stream's bounds when known. */
export interface ResumeFailure {
  ok: false;
  code: ResumeFailureCode;
  /** reason is a machine-readable detail (`recovery_window_exceeded`, `stream_id_mismatch`, ...). */
  reason: string;
  currentStreamId?: string;
  oldestSerial?: number;
  newestSerial?: number;
}

/** ReadAfter is the outcome of reading a channel after a position: the missed events, oldest first, or a failure. */
export type ReadAfter = { ok: true; streamId: string; messages: LoggedMessage[]; /** source is `history` when durable history answered part of it; absent: the hot buffer. */ source?: 'history' } | ResumeFailure;

/** Rewind asks for a channel's last `count` events, or those of the last `seconds`. */
export type Rewind = { count: number } | { seconds: number };

/** RewindRead is what a rewind found: the events oldest first, and whether older ones the ask covered are gone. */
export interface RewindRead {
  streamId?: string;
  messages: LoggedMessage[];
  /** truncated is true when the ask reached past what the log still keeps. */
  truncated: boolean;
}

/**
 * RecoveryReader reads a channel's recent events for resume and rewind. Implementations: MemoryRecoveryLog (the
 * embedded server's hot buffer). A reader that cannot reach its store fails with DependencyUnavailable.
 */
export interface RecoveryReader {
  /** readAfter returns the events after `position`, oldest first, or why they cannot be had. */
  readAfter(appId: AppId, channel: ChannelName, position: StreamPosition): Promise<ReadAfter>;
  /** rewind returns the channel's last events, oldest first. */
  rewind(appId: AppId, channel: ChannelName, ask: Rewind): Promise<RewindRead>;
}

/** RecoveryPolicy tells an app's effective recovery settings: the server's `[recovery]` with the app's override. */
export type RecoveryPolicy = (appId: AppId) => RecoveryConfig;

/** recoveryPolicy builds the policy from the server's section and the apps' overrides (config file apps). */
export function recoveryPolicy(server: RecoveryConfig, apps: readonly App[]): RecoveryPolicy {
  const byApp = new Map<string, RecoveryConfig>();
  for (const app of apps) if (app.recovery !== undefined) byApp.set(app.id, { ...server, ...app.recovery });
  return (appId) => byApp.get(appId) ?? server;
}

/** anyRecovery is true when the server or some app turns recovery on. */
export function anyRecovery(server: RecoveryConfig, apps: readonly App[]): boolean {
  return server.enabled || apps.some((a) => a.recovery?.enabled === true);
}

/** Appended is where an event landed in its channel's stream. */
export interface Appended {
  serial: number;
  streamId: string;
  messageId: string;
}

/**
 * Sequencer hands out per-channel serials on the publish path and keeps the events for recovery. It must be
 * synchronous and in-process: serials follow the order of publishes (the embedded server's MemoryRecoveryLog).
 */
export interface Sequencer {
  /** enabled tells whether an app's events get serials. */
  enabled(appId: AppId): boolean;
  /** append gives an event the channel's next serial and keeps it. */
  append(appId: AppId, channel: ChannelName, frame: string, except?: SocketId): Appended;
}
