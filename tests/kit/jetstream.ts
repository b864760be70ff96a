import type { JetStreamManager } from '@nats-io/jetstream';

/**
 * deleteHistoryStreams deletes the history streams of a subject prefix (`<prefix>_history_<stream id>`, one per
 * channel stream the history service saw), best effort: tests run on the machine's shared NATS.
 */
export async function deleteHistoryStreams(jsm: JetStreamManager, prefix: string): Promise<void> {
  const names: string[] = [];
  for await (const name of jsm.streams.names()) if (name.startsWith(`${prefix}_history_`)) names.push(name);
  for (const name of names) await jsm.streams.delete(name).catch(() => false);
}
