import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { ConfigError, pushRetry, type Platform, type ServerConfig } from '@sockudo-ts/shared';
import { APNS_PRODUCTION, APNS_SANDBOX, ApnsProvider } from './providers/apns.js';
import { FcmProvider } from './providers/fcm.js';
import { StaticProviders, type PushProvider } from './providers/provider.js';
import { WebPushProvider } from './providers/webpush.js';
import type { PushWorkerOptions } from './worker.js';

/** workerOptionsFromConfig reads the push worker's limits and back-off (`push.*`). */
export function workerOptionsFromConfig(config: ServerConfig): Pick<PushWorkerOptions, 'retry' | 'maxRecipients' | 'batchSize' | 'concurrency' | 'providerConcurrency'> {
  const { push } = config;
  return {
    retry: pushRetry(config),
    maxRecipients: push.max_recipients_per_publish,
    batchSize: push.batch_size,
    concurrency: push.concurrency,
    providerConcurrency: push.provider_concurrency,
  };
}

/**
 * providersFromConfig builds the provider clients `push.providers.*` enables, reading their key files now,
 * so that a missing file or a malformed key stops start-up with a message naming the key (never its
 * contents). A platform left disabled has no provider: its deliveries become dead letters.
 */
export function providersFromConfig(config: ServerConfig): StaticProviders {
  const { providers } = config.push;
  // why: a client's `ca` replaces the system roots; the file's CAs are trusted in addition to them.
  const ca = providers.ca_file !== '' ? { ca: [...rootCertificates, readKey(providers.ca_file, 'push.providers.ca_file')].join('\n') } : {};
  const timeoutMs = providers.timeout_ms;
  const built: Partial<Record<Platform, PushProvider>> = {};
  const { apns, fcm, webpush } = providers;
  if (apns.enabled) {
    const privateKey = apns.private_key !== '' ? apns.private_key : readKey(apns.private_key_path, 'push.providers.apns.private_key_path');
    const endpoint = apns.endpoint !== '' ? apns.endpoint : apns.environment === 'sandbox' ? APNS_SANDBOX : APNS_PRODUCTION;
    built.apns = build('push.providers.apns', () => new ApnsProvider({ teamId: apns.team_id, keyId: apns.key_id, privateKey, topic: apns.bundle_id, endpoint, timeoutMs, ...ca }));
  }
  if (fcm.enabled) {
    const endpoint = fcm.endpoint !== '' ? { endpoint: fcm.endpoint } : {};
    const projectId = fcm.project_id !== '' ? { projectId: fcm.project_id } : {};
    if (fcm.credentials_path !== '') {
      const serviceAccount = readKey(fcm.credentials_path, 'push.providers.fcm.credentials_path');
      built.fcm = build('push.providers.fcm', () => new FcmProvider({ serviceAccount, ...projectId, ...endpoint, timeoutMs, ...ca }));
    } else {
      if (fcm.project_id === '') throw new ConfigError('push.providers.fcm: provider_token needs project_id (PUSH_FCM_PROJECT_ID), or set credentials_path');
      built.fcm = build('push.providers.fcm', () => new FcmProvider({ providerToken: fcm.provider_token, ...projectId, ...endpoint, timeoutMs, ...ca }));
    }
  }
  if (webpush.enabled) {
    const vapid = { subject: webpush.vapid_subject, publicKey: webpush.vapid_public_key, privateKey: webpush.vapid_private_key };
    built.web = build('push.providers.webpush', () => new WebPushProvider({ vapid, timeoutMs, ...ca }));
  }
  return new StaticProviders(built);
}

function readKey(path: string, key: string): string {
  if (path === '') throw new ConfigError(`${key}: a path is required when the provider is enabled`);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

// why: the providers validate their keys in their constructors; their messages never contain key material.
function build<T>(section: string, make: () => T): T {
  try {
    return make();
  } catch (err) {
    throw new ConfigError(`${section}: ${(err as Error).message}`);
  }
}
