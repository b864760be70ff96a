import { setting } from '../setting.js';

/**
 * PUSH are the keys of push notifications (issue 13): the push API, the push worker, and its providers
 * (Sockudo's `[push]`, `[push.providers.apns]`, `[push.providers.fcm]`, `[push.providers.webpush]` and the
 * `PUSH_*` environment variables). The push queue and status store follow `queue.driver`.
 */
export const PUSH = {
  push: {
    enabled: setting.bool(true, { env: ['PUSH_ENABLED'], doc: 'Serve the push APIs (`/apps/{id}/push/*` and the Pusher Beams APIs) and, in the embedded server, run the push worker.' }),
    storage_driver: setting.choice(['memory', 'postgres'] as const, 'memory', { env: ['PUSH_STORAGE_DRIVER'], doc: 'Where push devices and their interests are kept: `memory` (in process, lost on restart) or `postgres` (the project database: database.url, else database.postgres; `npm run db:migrate`).' }),
    default_ttl_seconds: setting.int(3600, { env: ['PUSH_DEFAULT_TTL_SECONDS'], min: 1, max: 2_419_200, unit: 's', doc: 'How long a publish is worth delivering when it names no TTL of its own; later it is dropped as expired.' }),
    publish_status_ttl_seconds: setting.int(86400, { env: ['PUSH_PUBLISH_STATUS_TTL_SECONDS'], min: 1, unit: 's', doc: 'How long a publish\'s status (`/push/publish/{id}/status`) is kept after its last change.' }),
    max_recipients_per_publish: setting.int(10000, { env: ['PUSH_MAX_RECIPIENTS_PER_PUBLISH'], min: 0, doc: 'A publish that would reach more devices is refused (its status says why); zero means no limit.' }),
    max_payload_bytes: {
      apns: setting.int(4096, { env: ['PUSH_MAX_PAYLOAD_BYTES_APNS'], min: 1, max: 5120, unit: 'bytes', doc: 'Largest APNs body a publish may carry (Apple\'s limit is 4096; 5120 for VoIP); larger gets 413.' }),
      fcm: setting.int(4096, { env: ['PUSH_MAX_PAYLOAD_BYTES_FCM'], min: 1, max: 4096, unit: 'bytes', doc: 'Largest FCM notification and data, as JSON bytes (FCM\'s limit is 4096); larger gets 413.' }),
      web: setting.int(3993, { env: ['PUSH_MAX_PAYLOAD_BYTES_WEB'], min: 1, max: 3993, unit: 'bytes', doc: 'Largest Web Push body before encryption (3993 fits the 4096 bytes push services accept); larger gets 413.' }),
    },
    batch_size: setting.int(500, { env: ['PUSH_BATCH_SIZE'], min: 1, max: 1000, doc: 'Devices per deliver job: a publish is split into jobs of this many devices of one platform.' }),
    concurrency: setting.int(4, { env: ['PUSH_CONCURRENCY'], min: 1, doc: 'Push jobs one worker handles at once.' }),
    provider_concurrency: setting.int(64, { env: ['PUSH_PROVIDER_CONCURRENCY'], min: 1, doc: 'Requests in flight to one provider from one worker.' }),
    retry: {
      base_delay_ms: setting.int(1000, { env: ['PUSH_RETRY_BASE_DELAY_MS'], min: 1, unit: 'ms', doc: 'Ceiling of the first retry delay of a failed delivery; each retry doubles it. A provider\'s Retry-After wins when longer.' }),
      max_delay_ms: setting.int(60000, { env: ['PUSH_RETRY_MAX_DELAY_MS'], min: 1, unit: 'ms', doc: 'Largest delay between two attempts of one delivery.' }),
      max_elapsed_ms: setting.int(3600000, { env: ['PUSH_RETRY_MAX_ELAPSED_MS'], min: 0, unit: 'ms', doc: 'A delivery still failing this long after its first attempt becomes a dead letter (replayable).' }),
    },
    beams: {
      instances: setting.list([], { env: ['PUSH_BEAMS_INSTANCES'], doc: 'Pusher Beams instances as `instance_id=app_id` (comma-separated in the environment): the Beams APIs of that instance serve that app, with the app secret as the Beams secret key. An instance id that is an app id needs no entry.' }),
    },
    providers: {
      timeout_ms: setting.int(10000, { env: ['PUSH_PROVIDER_TIMEOUT_MS'], min: 1, unit: 'ms', doc: 'A provider request (connection included) without an answer in this time is retried.' }),
      ca_file: setting.string('', { env: ['PUSH_PROVIDER_CA_FILE'], doc: 'PEM file of extra CA certificates trusted for provider connections (a private push gateway, tests); empty trusts the system CAs only.' }),
      apns: {
        enabled: setting.bool(false, { env: ['PUSH_APNS_ENABLED'], doc: 'Deliver to Apple devices through APNs (HTTP/2, token auth).' }),
        team_id: setting.string('', { env: ['PUSH_APNS_TEAM_ID'], doc: 'Apple Developer team id (the JWT issuer).' }),
        key_id: setting.string('', { env: ['PUSH_APNS_KEY_ID'], doc: 'Id of the `.p8` signing key.' }),
        private_key_path: setting.string('', { env: ['PUSH_APNS_PRIVATE_KEY_PATH'], doc: 'Path of the `.p8` key file.' }),
        private_key: setting.string('', { env: ['PUSH_APNS_PRIVATE_KEY'], doc: 'The `.p8` key itself (PEM), instead of a path; never logged.' }),
        bundle_id: setting.string('', { env: ['PUSH_APNS_TOPIC', 'PUSH_APNS_BUNDLE_ID'], doc: 'The app\'s bundle id, sent as `apns-topic`.' }),
        environment: setting.choice(['production', 'sandbox'] as const, 'production', { env: ['PUSH_APNS_ENVIRONMENT'], doc: 'APNs endpoint: `production` (api.push.apple.com) or `sandbox` (development builds).' }),
        endpoint: setting.string('', { env: ['PUSH_APNS_ENDPOINT'], doc: 'APNs origin overriding `environment` (https://...).' }),
      },
      fcm: {
        enabled: setting.bool(false, { env: ['PUSH_FCM_ENABLED'], doc: 'Deliver to Android and other FCM devices through FCM HTTP v1.' }),
        credentials_path: setting.string('', { env: ['PUSH_FCM_SERVICE_ACCOUNT_JSON_PATH', 'GOOGLE_APPLICATION_CREDENTIALS'], doc: 'Path of the Google service-account JSON key (access tokens are minted from it).' }),
        project_id: setting.string('', { env: ['PUSH_FCM_PROJECT_ID'], doc: 'Firebase project id; default the service account\'s project_id (required with provider_token).' }),
        provider_token: setting.string('', { env: ['PUSH_FCM_PROVIDER_TOKEN'], doc: 'A ready OAuth2 access token instead of a service account (someone else refreshes it); never logged.' }),
        endpoint: setting.string('', { env: ['PUSH_FCM_ENDPOINT'], doc: 'FCM origin; default https://fcm.googleapis.com.' }),
      },
      webpush: {
        enabled: setting.bool(false, { env: ['PUSH_WEBPUSH_ENABLED'], doc: 'Deliver to browsers through Web Push (VAPID, aes128gcm).' }),
        vapid_subject: setting.string('', { env: ['PUSH_WEBPUSH_VAPID_SUBJECT'], doc: 'VAPID contact: `mailto:` or `https:` URL.' }),
        vapid_public_key: setting.string('', { env: ['PUSH_WEBPUSH_VAPID_PUBLIC_KEY', 'WEB_PUSH_PUBLIC_KEY'], doc: 'VAPID public key (base64url, 65 bytes): the application server key browsers subscribe with.' }),
        vapid_private_key: setting.string('', { env: ['PUSH_WEBPUSH_VAPID_PRIVATE_KEY', 'WEB_PUSH_PRIVATE_KEY'], doc: 'VAPID private key (base64url, 32 bytes); never logged.' }),
      },
    },
  },
} as const;
