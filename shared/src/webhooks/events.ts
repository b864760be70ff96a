import type { AppId, ChannelName, SocketId, UserId } from '../ids.js';

/**
 * WebhookEvent is one entry of a webhook body's `events` list (PROTOCOL.md §9). `id` is given when the event
 * is queued and kept through every retry and endpoint, so that a receiver can drop a second delivery of it.
 */
export type WebhookEvent = WebhookEventBody & { id?: string };

/** WebhookEventBody is a webhook event's fields by name. */
export type WebhookEventBody =
  | { name: 'channel_occupied' | 'channel_vacated' | 'cache_miss'; channel: ChannelName }
  | { name: 'member_added' | 'member_removed'; channel: ChannelName; user_id: UserId }
  | { name: 'subscription_count'; channel: ChannelName; subscription_count: number }
  | {
      name: 'client_event';
      channel: ChannelName;
      event: string;
      data: string;
      socket_id: SocketId;
      user_id?: UserId;
    };

/** WebhookSink accepts webhook events for an app; delivery, delays and retries are the sink's concern. */
export interface WebhookSink {
  emit(appId: AppId, event: WebhookEvent): void;
}

/** NullWebhookSink drops events: used where an app has no webhooks configured. */
export const NullWebhookSink: WebhookSink = { emit() {} };
