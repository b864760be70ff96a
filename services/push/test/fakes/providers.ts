import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import webpush from 'web-push';
import { ApnsProvider, FcmProvider, StaticProviders, WebPushProvider } from '@sockudo-ts/push';
import { ApnsFake } from './apns-fake.js';
import { FcmFake } from './fcm-fake.js';
import { testCertificates } from './tls.js';
import { WebPushFake } from './webpush-fake.js';

/** FakeProviders are the three fake providers running, and real provider clients pointed at them. */
export interface FakeProviders {
  apns: ApnsFake;
  fcm: FcmFake;
  web: WebPushFake;
  providers: StaticProviders;
  /** config is a `push.providers` config section for these fakes, its key files in `dir` (removed by close). */
  config: Record<string, unknown>;
  /** problems lists every protocol mistake any fake saw (a correct client leaves it empty). */
  problems(): string[];
  /** down takes every fake down; up brings them back on their ports. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * startFakeProviders starts a fake APNs, FCM and Web Push service with fresh credentials (an ES256 `.p8`
 * key, a service account's RSA key, VAPID keys) and the provider clients configured to use them.
 * why: the timeout stays at the production default; with fakes and worker sharing one busy event loop, a
 * short one fires on answers that did arrive, and the retry then delivers twice (push is at-least-once).
 */
export async function startFakeProviders(timeoutMs = 10_000): Promise<FakeProviders> {
  const { ca } = testCertificates();
  const p8 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const account = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const vapid = { subject: 'mailto:push@example.com', ...webpush.generateVAPIDKeys() };
  const apns = await ApnsFake.start({ teamId: 'TEAM000001', keyId: 'KEY0000001', publicKey: p8.publicKey, topic: 'com.example.app' });
  const fcm = await FcmFake.start({ projectId: 'fake-project', clientEmail: 'push@fake-project.iam.gserviceaccount.com', publicKey: account.publicKey });
  const web = await WebPushFake.start({ vapidPublicKey: vapid.publicKey });
  const providers = new StaticProviders({
    apns: new ApnsProvider({ teamId: 'TEAM000001', keyId: 'KEY0000001', privateKey: p8.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), topic: 'com.example.app', endpoint: apns.origin, ca, timeoutMs }),
    fcm: new FcmProvider({
      serviceAccount: {
        project_id: 'fake-project',
        client_email: 'push@fake-project.iam.gserviceaccount.com',
        private_key: account.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        token_uri: fcm.tokenUri,
      },
      endpoint: fcm.origin,
      timeoutMs,
    }),
    web: new WebPushProvider({ vapid, ca, timeoutMs }),
  });
  const all = [apns, fcm, web];
  const dir = mkdtempSync(join(tmpdir(), 'push-fakes-'));
  const file = (name: string, text: string): string => (writeFileSync(join(dir, name), text, { mode: 0o600 }), join(dir, name));
  const serviceAccount = {
    project_id: 'fake-project',
    client_email: 'push@fake-project.iam.gserviceaccount.com',
    private_key: account.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    token_uri: fcm.tokenUri,
  };
  const config = {
    ca_file: file('ca.pem', ca),
    timeout_ms: timeoutMs,
    apns: { enabled: true, team_id: 'TEAM000001', key_id: 'KEY0000001', private_key_path: file('AuthKey.p8', p8.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), bundle_id: 'com.example.app', endpoint: apns.origin },
    fcm: { enabled: true, credentials_path: file('service-account.json', JSON.stringify(serviceAccount)), endpoint: fcm.origin },
    webpush: { enabled: true, vapid_subject: vapid.subject, vapid_public_key: vapid.publicKey, vapid_private_key: vapid.privateKey },
  };
  return {
    apns,
    fcm,
    web,
    providers,
    config,
    problems: () => [...apns.problems.map((p) => `apns ${p}`), ...fcm.problems.map((p) => `fcm ${p}`), ...web.problems.map((p) => `web ${p}`)],
    down: async () => void (await Promise.all(all.map((f) => f.down()))),
    up: async () => void (await Promise.all(all.map((f) => f.up()))),
    close: async () => {
      await providers.close();
      await Promise.all(all.map((f) => f.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
