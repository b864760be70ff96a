import type { AppId, ChannelName } from '../ids.js';
import { appliesTo, finishPage, planRead, type ChannelMessage, type HistoryItem, type HistoryPage, type HistoryQuery, type HistoryStore, type RetentionRule } from './history-store.js';

/**
 * MemoryHistoryStore keeps history in process (the embedded server; gone on restart): per app and channel, an
 * array of items in serial order. Appends arrive nearly in order, so an insert is a push in the common case.
 */
export class MemoryHistoryStore implements HistoryStore {
  private readonly apps = new Map<AppId, Map<ChannelName, HistoryItem[]>>();

  async append(messages: readonly ChannelMessage[]): Promise<number> {
    let stored = 0;
    for (const m of messages) {
      let channels = this.apps.get(m.app_id);
      if (channels === undefined) this.apps.set(m.app_id, (channels = new Map()));
      let items = channels.get(m.channel);
      if (items === undefined) channels.set(m.channel, (items = []));
      const newest = items[items.length - 1];
      // why: a stream that starts over (new stream id, serials from 1 again) replaces the channel's history of the old
      // one; keeping both would make serials ambiguous and drop the new events as duplicates.
      if (newest !== undefined && newest.stream_id !== m.stream_id && m.serial <= newest.serial) channels.set(m.channel, (items = []));
      const at = lowerBound(items, m.serial);
      if (items[at]?.serial === m.serial) continue;
      const item: HistoryItem = { serial: m.serial, stream_id: m.stream_id, message_id: m.message_id, event: m.event, data: m.data, published_at_ms: m.published_at_ms };
      if (at === items.length) items.push(item);
      else items.splice(at, 0, item);
      stored++;
    }
    return stored;
  }

  async read(app: AppId, channel: ChannelName, query?: HistoryQuery): Promise<HistoryPage> {
    const plan = planRead(query);
    const items = this.apps.get(app)?.get(channel) ?? [];
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
      for (const [channel, items] of channels) {
        let kept = cutoff === undefined ? items : items.filter((i) => i.published_at_ms >= cutoff);
        if (rule.maxItemsPerChannel !== undefined && kept.length > rule.maxItemsPerChannel) kept = kept.slice(kept.length - rule.maxItemsPerChannel);
        dropped += items.length - kept.length;
        if (kept.length === 0) channels.delete(channel);
        else if (kept !== items) channels.set(channel, kept);
      }
      if (channels.size === 0) this.apps.delete(app);
    }
    return dropped;
  }

  async close(): Promise<void> {
    this.apps.clear();
  }
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
