import { setting } from '../setting.js';

/**
 * RECOVERY are the keys of lossless channels: per-channel serials and the hot recovery buffer that resume and
 * rewind read. Off by default; an app may override them under `[app_manager.array.apps.recovery]`.
 */
export const RECOVERY = {
  recovery: {
    enabled: setting.bool(false, { env: ['RECOVERY_ENABLED'], doc: 'Give every published event a per-channel serial and keep recent events for resume and rewind.' }),
    buffer_size: setting.int(100, { env: ['RECOVERY_BUFFER_SIZE'], min: 1, doc: 'Events kept per channel for resume and rewind; older ones expire (position_expired). Distributed, the JetStream stream keeps every channel\'s messages for ttl_seconds (within stream_max_bytes) and resume and rewind apply this bound when reading.' }),
    max_buffer_bytes: setting.int(1048576, { env: ['RECOVERY_MAX_BUFFER_BYTES'], min: 1024, unit: 'bytes', doc: 'Frame bytes kept per channel; the oldest events expire first past it.' }),
    ttl_seconds: setting.int(300, { env: ['RECOVERY_TTL_SECONDS'], min: 1, unit: 's', doc: 'Seconds an event stays available for resume and rewind.' }),
    stream_max_bytes: setting.int(1073741824, { env: ['RECOVERY_STREAM_MAX_BYTES'], min: 1048576, unit: 'bytes', doc: 'Bytes the JetStream stream of a distributed deployment keeps over all channels (max_bytes); past it the oldest stored messages of any channel are discarded, and resumes that needed them get position_expired. The NATS server\'s JetStream must be able to reserve it (`max_file_store`): a process that starts against one with less exits with a configuration error naming this key.' }),
    max_total_bytes: setting.int(268435456, { env: ['RECOVERY_MAX_TOTAL_BYTES'], min: 1048576, unit: 'bytes', doc: 'Frame bytes the embedded server keeps over all channels; past it the channels published to least recently are forgotten first.' }),
  },
} as const;
