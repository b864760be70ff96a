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

/**
 * deleteRunStreams removes a run's JetStream channel stream (`<prefix>_channels`) and the history streams
 * sourced from it, with their consumers, best effort (never fails): a run without recovery or history has none, and the
 * machine's NATS keeps every stream a test leaves behind on disk.
 */
export async function deleteRunStreams(natsUrl: string, prefix: string): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: natsUrl, timeout: 5000 }).catch(() => undefined);
  if (nc === undefined) return;
  try {
    // why: a test's own nats-server may run without JetStream (then there is nothing to delete).
    const jsm = await jetstreamManager(nc).catch(() => undefined);
    if (jsm === undefined) return;
    await jsm.streams.delete(`${prefix}_channels`).catch(() => false);
    await deleteHistoryStreams(jsm, prefix).catch(() => undefined);
  } finally {
    await nc.close();
  }
}
