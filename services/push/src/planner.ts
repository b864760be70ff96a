import {
  MAX_PAGE_SIZE,
  PLATFORMS,
  PermanentFailure,
  notificationProblem,
  platformExpiry,
  type Device,
  type DeviceId,
  type Platform,
  type PublishJob,
  type PushDeliverJob,
} from '@sockudo-ts/shared';
import type { PushPorts } from './ports.js';

/** PlannerOptions are the planner's ports and limits. */
export interface PlannerOptions extends PushPorts {
  /** maxRecipients refuses a publish that would reach more devices (`max_recipients_per_publish`). Zero: no limit. */
  maxRecipients: number;
  /** batchSize is the number of devices per deliver job. */
  batchSize: number;
}

/** PublishRefused is a publish that cannot be planned; it becomes a dead letter and its status says why. */
export class PublishRefused extends PermanentFailure {
  constructor(message: string) {
    super(message);
    this.name = 'PublishRefused';
  }
}

/**
 * PushPlanner turns a publish into deliver jobs: it collects the devices of the publish's interests or
 * users, once each even when a device matches several, keeps those whose platform the notification has a
 * part for, refuses the whole publish when they exceed `maxRecipients`, and queues one deliver job per
 * batch of devices of a platform. Deliver job ids are derived from the publish id, so that a publish planned
 * twice (its worker died mid-way) queues each batch once while the first is still waiting.
 */
export class PushPlanner {
  constructor(private readonly options: PlannerOptions) {}

  /** plan handles one publish job; it returns the number of devices it will go to. */
  async plan(job: PublishJob): Promise<number> {
    const { statuses, metrics } = this.options;
    try {
      const problem = notificationProblem(job.notification);
      if (problem !== undefined) throw new PublishRefused(problem.message);
      const byPlatform = await this.recipients(job);
      let recipients = 0;
      for (const [platform, ids] of byPlatform) {
        await this.queueBatches(job, platform, ids);
        metrics?.recipients.labels(platform).inc(ids.length);
        recipients += ids.length;
      }
      await statuses.planned(job.app_id, job.publish_id, recipients);
      metrics?.publishes.labels('planned').inc();
      this.options.logger.debug({ app_id: job.app_id, publish_id: job.publish_id, recipients }, 'push publish planned');
      return recipients;
    } catch (err) {
      if (!(err instanceof PublishRefused)) throw err;
      await statuses.refused(job.app_id, job.publish_id, err.message);
      metrics?.publishes.labels('refused').inc();
      this.options.logger.info({ app_id: job.app_id, publish_id: job.publish_id, reason: err.message }, 'push publish refused');
      throw err;
    }
  }

  /** recipients collects the publish's device ids per platform, de-duplicated, within the recipient limit. */
  private async recipients(job: PublishJob): Promise<Map<Platform, DeviceId[]>> {
    const { devices, maxRecipients } = this.options;
    const wanted = new Set(PLATFORMS.filter((p) => job.notification[p] !== undefined));
    const seen = new Set<DeviceId>();
    const byPlatform = new Map<Platform, DeviceId[]>();
    const take = (device: Device): void => {
      if (seen.has(device.id) || !wanted.has(device.platform)) return;
      seen.add(device.id);
      if (maxRecipients > 0 && seen.size > maxRecipients) {
        throw new PublishRefused(`the publish reaches more than max_recipients_per_publish (${maxRecipients}) devices`);
      }
      let list = byPlatform.get(device.platform);
      if (list === undefined) byPlatform.set(device.platform, (list = []));
      list.push(device.id);
    };
    for (const interest of job.interests ?? []) {
      let cursor: string | undefined;
      do {
        const page = await devices.devicesByInterest(job.app_id, interest, { limit: MAX_PAGE_SIZE, ...(cursor !== undefined ? { cursor } : {}) });
        page.items.forEach(take);
        cursor = page.next_cursor;
      } while (cursor !== undefined);
    }
    for (const user of job.users ?? []) (await devices.devicesByUser(job.app_id, user)).forEach(take);
    return byPlatform;
  }

  private async queueBatches(job: PublishJob, platform: Platform, ids: DeviceId[]): Promise<void> {
    const { batchSize, queue } = this.options;
    const expiresAt = platformExpiry(job, platform);
    for (let start = 0, n = 0; start < ids.length; start += batchSize, n++) {
      const deliver: PushDeliverJob = {
        v: 1,
        kind: 'deliver',
        app_id: job.app_id,
        publish_id: job.publish_id,
        platform,
        device_ids: ids.slice(start, start + batchSize),
        notification: { [platform]: job.notification[platform] },
        expires_at: expiresAt,
        attempt: 1,
      };
      await queue.add(deliver, { jobId: `${job.publish_id}-${platform}-${n}` });
    }
  }
}
