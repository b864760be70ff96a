import type { AppId, ChannelName } from '../ids.js';
import { appliesTo, finishPage, planRead, type ChannelMessage, type HistoryItem, type HistoryPage, type HistoryQuery, type HistoryStore, type RetentionRule } from './history-store.js';

/** Streams are one channel's events per stream id, each array in serial order. */
type Streams = Map<string, HistoryItem[]>;

/**
 * MemoryHistoryStore keeps history in process (the embedded server; gone on restart): per app and channel, per
 * stream id, an array of items in serial order. Appends arrive nearly in order, so an insert is a push in the
 * common case.
 */
export class MemoryHistoryStore implements HistoryStore {
  private readonly apps = new Map<AppId, Map<ChannelName, Streams>>();

  async append(messages: readonly ChannelMessage[]): Promise<number> {
    let stored = 0;
    for (const m of messages) {
      let channels = this.apps.get(m.app_id);
      if (channels === undefined) this.apps.set(m.app_id, (channels = new Map()));
      let streams = channels.get(m.channel);
      if (streams === undefined) channels.set(m.channel, (streams = new Map()));
      let items = streams.get(m.stream_id);
      if (items === undefined) streams.set(m.stream_id, (items = []));
      const at = lowerBound(items, m.serial);
      if (items[at]?.serial === m.serial) continue;
      const item: HistoryItem = { serial: m.serial, stream_id: m.stream_id, message_id: m.message_id, event: m.event, data: m.data, published_at_ms: m.published_at_ms };
      if (m.user_id !== undefined) item.user_id = m.user_id;
      if (at === items.length) items.push(item);
      else items.splice(at, 0, item);
      stored++;
    }
    return stored;
  }

  async read(app: AppId, channel: ChannelName, query?: HistoryQuery): Promise<HistoryPage> {
    const plan = planRead(query);
    const streams = this.apps.get(app)?.get(channel);
    const items = (plan.streamId !== undefined ? streams?.get(plan.streamId) : newest(streams)) ?? [];
    const from = lowerBound(items, plan.minSerial ?? 0);
    const to = plan.maxSerial === undefined ? items.length : lowerBound(items, plan.maxSerial + 1);
    const fits = (i: HistoryItem): boolean => (plan.minTime === undefined || i.published_at_ms >= plan.minTime) && (plan.maxTime === undefined || i.published_at_ms <= plan.maxTime);
    const out: HistoryItem[] = [];
    if (plan.direction === 'oldest_first') {
      for (let i = from; i < to && out.length <= plan.limit; i++) if (fits(items[i]!)) out.push({ ...items[i]! });
    } else {
      for (let i = to - 1; i >= from && out.length <= plan.limit; i--) if (fits(items[i]!)) out.push({ ...items[i]! });
    }
    return finishPage(plan, out);
  }

  async retain(rule: RetentionRule, nowMs: number): Promise<number> {
    let dropped = 0;
    const cutoff = rule.maxAgeMs === undefined ? undefined : nowMs - rule.maxAgeMs;
    for (const [app, channels] of this.apps) {
      if (!appliesTo(rule, app)) continue;
      for (const [channel, streams] of channels) {
        for (const [id, items] of streams) {
          const kept = cutoff === undefined ? items : items.filter((i) => i.published_at_ms >= cutoff);
          dropped += items.length - kept.length;
          if (kept.length === 0) streams.delete(id);
          else if (kept !== items) streams.set(id, kept);
        }
        if (rule.maxItemsPerChannel !== undefined) dropped += capChannel(streams, rule.maxItemsPerChannel);
        if (streams.size === 0) channels.delete(channel);
      }
      if (channels.size === 0) this.apps.delete(app);
    }
    return dropped;
  }

  async close(): Promise<void> {
    this.apps.clear();
  }
}

/** newest is the channel's newest stream: the one whose latest event was published last. */
function newest(streams: Streams | undefined): HistoryItem[] | undefined {
  let best: HistoryItem[] | undefined;
  for (const items of streams?.values() ?? []) {
    if (best === undefined || latestTime(items) >= latestTime(best)) best = items;
  }
  return best;
}

function latestTime(items: readonly HistoryItem[]): number {
  return items[items.length - 1]?.published_at_ms ?? -Infinity;
}

/** capChannel keeps a channel's newest `max` events over all its streams (by publish time, then serial) and returns how many it dropped. */
function capChannel(streams: Streams, max: number): number {
  let total = 0;
  for (const items of streams.values()) total += items.length;
  if (total <= max) return 0;
  if (streams.size === 1) {
    const [id, items] = [...streams][0]!;
    streams.set(id, items.slice(items.length - max));
    return total - max;
  }
  const all = [...streams.values()].flat().sort((a, b) => b.published_at_ms - a.published_at_ms || b.serial - a.serial);
  const keep = new Set(all.slice(0, max));
  for (const [id, items] of streams) {
    const kept = items.filter((i) => keep.has(i));
    if (kept.length === 0) streams.delete(id);
    else streams.set(id, kept);
  }
  return total - max;
}

/** lowerBound is the index of the first item whose serial is at least `serial`. */
function lowerBound(items: readonly HistoryItem[], serial: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid]!.serial < serial) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
