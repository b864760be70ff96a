import { JetStreamApiError, type JetStreamManager, type StreamConfig, type StreamInfo } from '@nats-io/jetstream';
import { ConfigError } from '../config/config.js';

/** JetStream API error codes: a stream of that name exists with another config; not enough storage for it. */
const STREAM_NAME_IN_USE = 10058;
const INSUFFICIENT_RESOURCES = 10047;

/**
 * addOrUpdateStream creates a stream, or updates the one of that name when it exists with another config. A
 * server whose JetStream cannot reserve the stream's `max_bytes` refuses it: that is a ConfigError naming
 * `bytesKey`, the setting to lower. why: any other refusal used to fall through to the update, whose "stream
 * not found" hid the reason.
 */
export async function addOrUpdateStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }, bytesKey: string): Promise<StreamInfo> {
  try {
    return await jsm.streams.add(config);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NAME_IN_USE) throw refusal(err, config, bytesKey);
  }
  try {
    return await jsm.streams.update(config.name, config);
  } catch (err) {
    throw refusal(err, config, bytesKey);
  }
}

/** refusal is the error to throw for a refused add or update: a ConfigError naming `bytesKey` when storage is short. */
function refusal(err: unknown, config: Partial<StreamConfig> & { name: string }, bytesKey: string): unknown {
  if (!(err instanceof JetStreamApiError) || err.code !== INSUFFICIENT_RESOURCES) return err;
  return new ConfigError(
    `${bytesKey}: NATS JetStream cannot reserve ${config.max_bytes ?? 'the'} bytes for stream ${config.name} (${err.message}); lower ${bytesKey} or give the server's JetStream more storage (max_file_store)`,
  );
}
