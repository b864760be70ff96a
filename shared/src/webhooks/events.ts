/** WebhookEvent is one entry of a webhook body's `events` list (PROTOCOL.md §9). */
export type WebhookEvent =
  | { name: 'channel_occupied' | 'channel_vacated' | 'cache_miss'; channel: string }
  | { name: 'member_added' | 'member_removed'; channel: string; user_id: string }
  | { name: 'subscription_count'; channel: string; subscription_count: number }
  | {
      name: 'client_event';
      channel: string;
      event: string;
      data: string;
      socket_id: string;
      user_id?: string;
    };

/** WebhookSink accepts webhook events for an app; delivery, delays and retries are the sink's concern. */
export interface WebhookSink {
  emit(appId: string, event: WebhookEvent): void;
}

/** NullWebhookSink drops events: used where an app has no webhooks configured. */
export const NullWebhookSink: WebhookSink = { emit() {} };
