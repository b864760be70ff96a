import type { DeviceStore, JobQueue, Logger, PublishStatusStore, PushJob } from '@sockudo-ts/shared';
import type { PushMetrics } from './metrics.js';

/** PushPorts are what every part of the push worker talks to: the queue, the stores, the logger and metrics. */
export interface PushPorts {
  queue: JobQueue<PushJob>;
  devices: DeviceStore;
  statuses: PublishStatusStore;
  logger: Logger;
  metrics?: PushMetrics;
}
