import { setting } from '../setting.js';

/** WEBHOOKS are the keys of webhook delivery (the webhook worker, and the sinks that hold events back). */
export const WEBHOOKS = {
  webhooks: {
    vacate_delay_ms: setting.int(3000, { env: ['WEBHOOKS_VACATE_DELAY_MS'], min: 0, unit: 'ms', doc: 'channel_vacated and member_removed wait this long and are dropped if the channel is re-occupied or the member returns; zero sends them at once.' }),
    timeout_ms: setting.int(10000, { aliases: ['webhooks.request_timeout_ms'], env: ['WEBHOOKS_TIMEOUT_MS'], min: 1, unit: 'ms', doc: 'A webhook request without a response in this time fails and is retried.' }),
    retry: {
      base_delay_ms: setting.int(1000, { aliases: ['webhooks.retry.initial_backoff_ms'], env: ['WEBHOOKS_RETRY_BASE_DELAY_MS'], min: 1, unit: 'ms', doc: 'Ceiling of the first retry delay; each retry doubles it (full jitter keeps 50-100 % of it).' }),
      max_delay_ms: setting.int(60000, { aliases: ['webhooks.retry.max_backoff_ms'], env: ['WEBHOOKS_RETRY_MAX_DELAY_MS'], min: 1, unit: 'ms', doc: 'Largest delay between two attempts of one webhook.' }),
      max_elapsed_ms: setting.int(300000, { aliases: ['webhooks.retry.max_elapsed_time_ms'], env: ['WEBHOOKS_RETRY_MAX_ELAPSED_MS'], min: 0, unit: 'ms', doc: 'A webhook still failing this long after its first attempt becomes a dead letter.' }),
    },
    max_queued_per_app: setting.int(10000, { env: ['WEBHOOKS_MAX_QUEUED_PER_APP'], min: 0, doc: 'Webhook jobs of one app waiting in the in-memory queue before its new events become dead letters (counted in webhooks_dropped_total); zero means no limit.' }),
    max_queued: setting.int(100000, { env: ['WEBHOOKS_MAX_QUEUED'], min: 0, doc: 'Webhook jobs waiting in the queue (any driver, all apps; read at most once a second) before new events are dropped and counted; zero means no limit.' }),
    enqueue_timeout_ms: setting.int(2000, { env: ['WEBHOOKS_ENQUEUE_TIMEOUT_MS'], min: 1, unit: 'ms', doc: 'Longest wait to put one event on the queue (Redis down); past it the event is dropped and counted, and the next ones go on.' }),
    max_concurrent_per_app: setting.int(2, { env: ['WEBHOOKS_MAX_CONCURRENT_PER_APP'], min: 0, doc: 'Webhook requests of one app in flight at once per worker; more are put back with back-off, so one slow receiver cannot hold every slot. Zero means no limit.' }),
    circuit_breaker: {
      failure_threshold: setting.int(5, { env: ['WEBHOOKS_CIRCUIT_BREAKER_FAILURE_THRESHOLD'], min: 0, doc: 'Failed requests in a row (timeouts, 5xx, connection errors) after which an endpoint is not called for cooldown_ms; its jobs are put back with back-off. Zero turns the breaker off.' }),
      cooldown_ms: setting.int(30000, { env: ['WEBHOOKS_CIRCUIT_BREAKER_COOLDOWN_MS'], min: 1, unit: 'ms', doc: 'How long an open circuit refuses calls before one trial request is let through; never longer than webhooks.retry.max_delay_ms.' }),
    },
    batching: {
      enabled: setting.bool(false, { aliases: ['webhooks.batching_enabled'], env: ['WEBHOOKS_BATCHING_ENABLED'], doc: 'Send several events of one app to one endpoint in one request.' }),
      duration: setting.int(50, { aliases: ['webhooks.flush_interval_ms'], env: ['WEBHOOKS_BATCHING_DURATION'], min: 1, unit: 'ms', doc: 'How long a batch collects events before it is sent.' }),
      size: setting.int(100, { aliases: ['webhooks.max_batch_size'], env: ['WEBHOOKS_BATCHING_SIZE'], min: 1, doc: 'Most events in one batch; a full batch is sent at once.' }),
    },
  },
} as const;
