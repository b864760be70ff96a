import type { AppId } from '../ids.js';
import type { App, WebhookConfig } from '../apps/app.js';
import type { DeadLetterCounter, DeadLetterWriter, GroupedQueue, JobQueue } from '../queue/job-queue.js';
import type { WebhookEvent } from './events.js';

/** WEBHOOK_QUEUE is the name of the job queue that carries webhook jobs (ARCHITECTURE.md). */
export const WEBHOOK_QUEUE = 'webhooks';

/**
 * WebhookQueue is the `webhooks` job queue with the abilities its users rely on: the dead-letter count (metrics),
 * each app's backlog (the sink's per-app cap, the worker's defer spread) and filing a refused event as a dead letter.
 */
export type WebhookQueue = JobQueue<WebhookJob> & DeadLetterCounter & GroupedQueue & DeadLetterWriter<WebhookJob>;

/** WEBHOOK_JOB_VERSION is the `v` field of every webhook job this code writes. */
export const WEBHOOK_JOB_VERSION = 1;

/**
 * DeliverJob sends one event to one endpoint of one app. The app secret is never in the job: the worker
 * looks it up by `app_id` when it signs, so that each app's events are signed with its own secret only.
 */
export interface DeliverJob {
  v: 1;
  kind: 'deliver';
  app_id: AppId;
  /** url and headers are the endpoint as configured when the event happened. */
  url: string;
  headers: Record<string, string>;
  event: WebhookEvent;
  /** traceparent is the W3C context of the span that queued the job (tracing on), continued by its delivery. */
  traceparent?: string;
}

/**
 * ReleaseJob is an event held back for the vacate delay (channel_vacated, member_removed). When it comes
 * due, the worker turns it into one DeliverJob per matching endpoint. Its job id is deterministic
 * (see heldJobId) so that a re-occupation or a returning member can cancel it.
 */
export interface ReleaseJob {
  v: 1;
  kind: 'release';
  app_id: AppId;
  event: WebhookEvent;
  /** traceparent is the W3C context of the span that queued the job (tracing on). */
  traceparent?: string;
}

/** WebhookJob is a job on the `webhooks` queue: plain JSON with a version field. */
export type WebhookJob = DeliverJob | ReleaseJob;

/** isWebhookJob checks the shape and version of a job read back from a queue. */
export function isWebhookJob(value: unknown): value is WebhookJob {
  const j = value as Partial<WebhookJob> | null;
  return (
    typeof j === 'object' &&
    j !== null &&
    j.v === WEBHOOK_JOB_VERSION &&
    (j.kind === 'deliver' || j.kind === 'release') &&
    typeof j.app_id === 'string' &&
    typeof j.event === 'object' &&
    j.event !== null
  );
}

/**
 * heldJobId is the id of the delayed job that holds a channel_vacated or member_removed event, and the id
 * the matching channel_occupied / member_added cancels. Undefined for events that are never held.
 */
export function heldJobId(appId: string, event: WebhookEvent): string | undefined {
  if (event.name === 'channel_vacated' || event.name === 'channel_occupied') return 'vacated-' + idPart([appId, event.channel]);
  if (event.name === 'member_removed' || event.name === 'member_added') return 'removed-' + idPart([appId, event.channel, event.user_id]);
  return undefined;
}

/** endpointWants tells whether an endpoint takes an event: its event_types, then its channel filter. */
export function endpointWants(endpoint: WebhookConfig, event: WebhookEvent): boolean {
  if (!endpoint.event_types.includes(event.name)) return false;
  const f = endpoint.filter;
  if (f === undefined) return true;
  const channel = event.channel;
  if (f.channel_prefix !== undefined && f.channel_prefix !== '' && !channel.startsWith(f.channel_prefix)) return false;
  if (f.channel_suffix !== undefined && f.channel_suffix !== '' && !channel.endsWith(f.channel_suffix)) return false;
  if (f.channel_pattern !== undefined && f.channel_pattern !== '' && !patternOf(f.channel_pattern).test(channel)) return false;
  return true;
}

// why: BullMQ refuses job ids with ':'; base64url of a JSON tuple is colon-free and unambiguous.
function idPart(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

const patterns = new Map<string, RegExp>();

function patternOf(source: string): RegExp {
  let re = patterns.get(source);
  if (re === undefined) {
    re = new RegExp(source);
    if (patterns.size > 1000) patterns.clear();
    patterns.set(source, re);
  }
  return re;
}

/** deliverJobs returns one DeliverJob per endpoint of the app that wants the event (none when none does). */
export function deliverJobs(app: App, event: WebhookEvent): DeliverJob[] {
  return app.webhooks
    .filter((endpoint) => endpointWants(endpoint, event))
    .map((endpoint) => ({ v: 1, kind: 'deliver', app_id: app.id, url: endpoint.url, headers: { ...(endpoint.headers ?? {}) }, event }));
}
