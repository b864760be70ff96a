import { randomUUID } from 'node:crypto';
import {
  PermanentFailure,
  deviceAddressKey,
  retryDelay,
  type Device,
  type DeviceId,
  type JobContext,
  type PushDeliverJob,
  type RetryPolicy,
} from '@sockudo-ts/shared';
import { Limiter } from './limiter.js';
import type { NotificationResult } from './metrics.js';
import type { PushPorts } from './ports.js';
import type { ProviderDirectory, PushProvider, SendOutcome } from './providers/provider.js';

/** DeliveryOptions are the delivery's ports, its retry budget and its per-provider concurrency. */
export interface DeliveryOptions extends PushPorts {
  providers: ProviderDirectory;
  /** retry is the back-off between attempts and the budget after which devices become dead letters. */
  retry: RetryPolicy;
  /** providerConcurrency caps the requests in flight to one provider from this process. */
  providerConcurrency: number;
  now?: () => number;
}

/** Tally groups a batch's devices by what happened to them. */
interface Tally {
  delivered: number;
  removed: number;
  retry: DeviceId[];
  retryAfterMs: number;
  retryReason: string;
  /** buried maps a reason to the devices refused for it. */
  buried: Map<string, DeviceId[]>;
}

/**
 * PushDelivery sends one deliver job's notification to its devices through their provider, at most
 * `providerConcurrency` requests in flight per provider. Then, per device: delivered is counted; an invalid
 * token removes the device; a retryable failure goes into ONE follow-up job for the batch, delayed by the
 * back-off or the provider's Retry-After, whichever is longer; a refusal, a spent retry budget or a missing
 * provider goes to the dead letters. Retries are follow-up jobs rather than queue retries of the same job,
 * so that a device that got the notification never gets it again because a neighbour in its batch failed.
 */
export class PushDelivery {
  private readonly limiters = new Map<PushProvider, Limiter>();

  constructor(private readonly options: DeliveryOptions) {}

  /** deliver handles one attempt of one deliver job. */
  async deliver(job: PushDeliverJob, context: JobContext): Promise<void> {
    if (job.bury !== undefined && job.bury.job_id === context.id) throw new PermanentFailure(job.bury.reason);
    const now = this.now();
    // why: a job still marked for burial under another id is a replayed dead letter: it gets a fresh budget.
    const replayed = job.bury !== undefined;
    const attempt = replayed ? 1 : job.attempt;
    const firstAttemptAt = replayed ? now : (job.first_attempt_at ?? now);
    const { devices, statuses, metrics } = this.options;
    const found = await devices.getMany(job.app_id, job.device_ids);
    // why: devices deleted since planning count as removed; they are counted last, with the others, so
    // that an attempt that fails half-way and runs again does not count them twice.
    const gone = job.device_ids.length - new Set(found.map((d) => d.id)).size;
    metrics?.count(job.platform, 'removed', gone);
    const tally: Tally = { delivered: 0, removed: gone, retry: [], retryAfterMs: 0, retryReason: '', buried: new Map() };
    if (found.length > 0 && now >= job.expires_at) await this.expire(job, found.length);
    else if (found.length > 0) {
      const provider = this.options.providers.provider(job.app_id, job.platform);
      if (provider === undefined) tally.buried.set(`no ${job.platform} provider is configured`, found.map((d) => d.id));
      else await this.sendAll(job, provider, found, tally);
      await this.followUp(job, tally, attempt, firstAttemptAt);
    }
    if (tally.delivered > 0) await statuses.record(job.app_id, job.publish_id, 'delivered', tally.delivered);
    if (tally.removed > 0) await statuses.record(job.app_id, job.publish_id, 'removed', tally.removed);
  }

  private async sendAll(job: PushDeliverJob, provider: PushProvider, found: Device[], tally: Tally): Promise<void> {
    const limiter = this.limiterFor(provider);
    await Promise.all(
      found.map((device) =>
        limiter.run(async () => {
          const started = process.hrtime.bigint();
          const outcome = await provider.send({ device, notification: job.notification, publishId: job.publish_id, expiresAt: job.expires_at });
          this.options.metrics?.latency.labels(job.platform).observe(Number(process.hrtime.bigint() - started) / 1e9);
          this.options.metrics?.count(job.platform, resultOf(outcome));
          await this.tally(job, device, outcome, tally);
        }),
      ),
    );
  }

  private async tally(job: PushDeliverJob, device: Device, outcome: SendOutcome, tally: Tally): Promise<void> {
    switch (outcome.kind) {
      case 'delivered':
        tally.delivered++;
        return;
      case 'invalid-token': {
        const log = { app_id: job.app_id, device_id: device.id, platform: job.platform, reason: outcome.reason };
        tally.removed++;
        try {
          // why: a device that got a fresh token while this send was in flight is alive; keep it.
          const current = await this.options.devices.get(job.app_id, device.id);
          if (current !== undefined && deviceAddressKey(current) === deviceAddressKey(device)) await this.options.devices.delete(job.app_id, device.id);
          this.options.logger.info(log, 'push device removed: its provider says the token is dead');
        } catch (err) {
          // why: failing the job would resend to its delivered devices; the next publish removes this one.
          this.options.logger.warn({ ...log, error: (err as Error).message }, 'push device with a dead token could not be removed now');
        }
        return;
      }
      case 'retry':
        tally.retry.push(device.id);
        tally.retryAfterMs = Math.max(tally.retryAfterMs, outcome.retryAfterMs ?? 0);
        tally.retryReason = outcome.reason;
        return;
      case 'rejected': {
        const reason = `${job.platform} refused it: ${outcome.reason}`;
        const list = tally.buried.get(reason);
        if (list === undefined) tally.buried.set(reason, [device.id]);
        else list.push(device.id);
      }
    }
  }

  /** followUp queues the retry job and the dead letters a batch left, and counts what cannot be delivered. */
  private async followUp(job: PushDeliverJob, tally: Tally, attempt: number, firstAttemptAt: number): Promise<void> {
    const { queue, retry, logger } = this.options;
    const { bury: _marker, ...base } = job;
    const log = { app_id: job.app_id, publish_id: job.publish_id, platform: job.platform, attempt };
    if (tally.retry.length > 0) {
      const now = this.now();
      const backoff = retryDelay(retry, attempt, firstAttemptAt, now);
      const delayMs = backoff === undefined ? undefined : Math.max(backoff, tally.retryAfterMs);
      if (delayMs !== undefined && now + delayMs >= job.expires_at) {
        await this.expire(job, tally.retry.length);
      } else if (delayMs === undefined || now + delayMs - firstAttemptAt > retry.maxElapsedMs) {
        tally.buried.set(`retries spent after ${attempt} attempts: ${tally.retryReason}`, tally.retry);
      } else {
        await queue.add({ ...base, device_ids: tally.retry, attempt: attempt + 1, first_attempt_at: firstAttemptAt }, { delayMs });
        logger.debug({ ...log, devices: tally.retry.length, delay_ms: delayMs, reason: tally.retryReason }, 'push delivery will be retried');
      }
    }
    for (const [reason, ids] of tally.buried) {
      // why: the dead letter holds exactly the failed devices; the marker fails it at once under this id only.
      const id = randomUUID();
      await queue.add({ ...base, device_ids: ids, attempt, first_attempt_at: firstAttemptAt, bury: { job_id: id, reason } }, { jobId: id });
      await this.options.statuses.record(job.app_id, job.publish_id, 'failed', ids.length);
      logger.warn({ ...log, devices: ids.length, reason }, 'push delivery failed for good; kept as a dead letter');
    }
  }

  private async expire(job: PushDeliverJob, count: number): Promise<void> {
    await this.options.statuses.record(job.app_id, job.publish_id, 'expired', count);
    this.options.metrics?.count(job.platform, 'expired', count);
  }

  private limiterFor(provider: PushProvider): Limiter {
    let limiter = this.limiters.get(provider);
    if (limiter === undefined) this.limiters.set(provider, (limiter = new Limiter(this.options.providerConcurrency)));
    return limiter;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function resultOf(outcome: SendOutcome): NotificationResult {
  return outcome.kind === 'invalid-token' ? 'invalid_token' : outcome.kind;
}
