import type { AppId, ChannelName, SocketId } from '../ids.js';
import type { Appended, Sequencer } from '../recovery/recovery-log.js';
import type { Logger } from '../telemetry/logger.js';
import type { HistoryStore } from './history-store.js';

/**
 * historyItemOfFrame reads an event frame's name, data (as a string, JSON kept encoded) and sender `user_id` (client
 * events on presence channels carry one); undefined for a frame that is not an event.
 */
export function historyItemOfFrame(frame: string): { event: string; data: string; user_id?: string } | undefined {
  let parsed: { event?: unknown; data?: unknown; user_id?: unknown };
  try {
    parsed = JSON.parse(frame) as { event?: unknown; data?: unknown; user_id?: unknown };
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.event !== 'string') return undefined;
  const data = typeof parsed.data === 'string' ? parsed.data : parsed.data === undefined ? '' : JSON.stringify(parsed.data);
  return typeof parsed.user_id === 'string' ? { event: parsed.event, data, user_id: parsed.user_id } : { event: parsed.event, data };
}

/**
 * recordHistory wraps the embedded server's sequencer so that every sequenced event is also kept in the history
 * store (the MemoryHistoryStore: same process, so nothing can be lost between the two). The serial comes from
 * the sequencer, so history and recovery agree on positions.
 */
export function recordHistory(sequencer: Sequencer, store: HistoryStore, logger: Logger, now: () => number = Date.now): Sequencer {
  return {
    enabled: (appId) => sequencer.enabled(appId),
    append: (appId: AppId, channel: ChannelName, frame: string, except?: SocketId): Appended => {
      const at = sequencer.append(appId, channel, frame, except);
      const item = historyItemOfFrame(frame);
      if (item !== undefined) {
        const message = { app_id: appId, channel, serial: at.serial, stream_id: at.streamId, message_id: at.messageId, ...item, published_at_ms: now() };
        store.append([message]).catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'history: storing an event failed'));
      }
      return at;
    },
  };
}
