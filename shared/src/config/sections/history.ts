import { setting } from '../setting.js';

/**
 * HISTORY are the keys of durable channel history: the history service stores the sequenced channel stream
 * (apps with recovery on) in PostgreSQL and drops what retention says. Off by default.
 */
export const HISTORY = {
  history: {
    enabled: setting.bool(false, { env: ['HISTORY_ENABLED'], doc: 'Keep every sequenced event (apps with recovery on) durably for the history API.' }),
    retention_seconds: setting.int(86400, { env: ['HISTORY_RETENTION_SECONDS'], aliases: ['history.retention_window_seconds'], min: 1, unit: 's', doc: 'Seconds a stored event is kept; older ones are dropped by the retention job.' }),
    max_items_per_channel: setting.int(10000, { env: ['HISTORY_MAX_ITEMS_PER_CHANNEL'], min: 1, doc: 'Events kept per channel; the oldest past it are dropped by the retention job.' }),
    batch_size: setting.int(500, { env: ['HISTORY_BATCH_SIZE'], min: 1, doc: 'Most events the history service stores in one write.' }),
    retention_interval_seconds: setting.int(60, { env: ['HISTORY_RETENTION_INTERVAL_SECONDS'], aliases: ['history.purge_interval_seconds'], min: 1, unit: 's', doc: 'Seconds between two runs of the retention job.' }),
  },
} as const;
