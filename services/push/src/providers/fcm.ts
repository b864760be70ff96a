import type { KeyObject } from 'node:crypto';
import type { FcmNotification } from '@sockudo-ts/shared';
import { ProviderHttp, type HttpAnswer } from './http.js';
import { privateKeyOf, signJwt } from './jwt.js';
import { DEFAULT_TIMEOUT_MS, refusal, remainingSeconds, statusOutcome, type PushProvider, type SendOutcome, type SendRequest } from './provider.js';

/** FCM_ENDPOINT is Google's FCM HTTP v1 origin. */
export const FCM_ENDPOINT = 'https://fcm.googleapis.com';
/** FCM_SCOPE is the OAuth2 scope an access token needs to send messages. */
export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/** ServiceAccount is the part of a Google service-account JSON key file that FCM needs. */
export interface ServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  private_key_id?: string;
  /** token_uri is where the signed assertion is exchanged for an access token. */
  token_uri: string;
}

/**
 * FcmOptions configure FCM HTTP v1: a service account (access tokens minted and refreshed here), or a static
 * `providerToken` (`PUSH_FCM_PROVIDER_TOKEN`, an access token someone else refreshes) with its `projectId`.
 */
export interface FcmOptions {
  /** serviceAccount is the key file's JSON text or its parsed object. */
  serviceAccount?: ServiceAccount | string;
  providerToken?: string;
  /** projectId overrides the service account's project. */
  projectId?: string;
  /** endpoint is the FCM origin. Default FCM_ENDPOINT. */
  endpoint?: string;
  /** timeoutMs bounds each request. Default 10000. */
  timeoutMs?: number;
  /** ca adds a trusted CA (tests). */
  ca?: string | Buffer;
  now?: () => number;
}

/** AccessToken is a cached OAuth2 token and when it expires (wall-clock ms). */
interface AccessToken {
  value: string;
  expiresAt: number;
}

// why: refresh a minute early, so that a token never expires between its check and its use.
const TOKEN_MARGIN_MS = 60_000;

/**
 * FcmProvider delivers to Android (and other FCM) devices through `POST /v1/projects/{id}/messages:send`.
 * With a service account it signs an RS256 assertion (iss, scope, aud = token URI, iat, exp), exchanges it
 * at the token URI, caches the access token until shortly before it expires (one exchange at a time), and
 * exchanges again when FCM answers 401.
 */
export class FcmProvider implements PushProvider {
  readonly platform = 'fcm' as const;
  private readonly http: ProviderHttp;
  private readonly account?: ServiceAccount;
  private readonly key?: KeyObject;
  private readonly projectId: string;
  private token?: AccessToken;
  private pending?: Promise<AccessToken | SendOutcome>;

  constructor(private readonly options: FcmOptions) {
    if (options.serviceAccount !== undefined) {
      this.account = readServiceAccount(options.serviceAccount);
      this.key = privateKeyOf(this.account.private_key, 'rsa', 'the service account private_key');
    } else if (options.providerToken === undefined || options.providerToken === '') {
      throw new Error('FCM needs a service account or a provider token');
    }
    const projectId = options.projectId ?? this.account?.project_id;
    if (projectId === undefined || projectId === '') throw new Error('FCM needs a project id (projectId, or project_id in the service account)');
    this.projectId = projectId;
    this.http = new ProviderHttp(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.ca);
  }

  async send(request: SendRequest): Promise<SendOutcome> {
    const refused = refusal('fcm', request);
    if (refused !== undefined) return refused;
    const token = (request.device as { token: string }).token;
    const body = JSON.stringify({ message: fcmMessage(token, request.notification.fcm!, remainingSeconds(request.expiresAt, this.now())) });
    const first = await this.post(body);
    if (first.kind === 'retry' && first.status === 401 && this.account !== undefined) {
      // why: a cached token can be revoked before it expires; exchange a new one and try once more.
      this.token = undefined;
      return this.post(body);
    }
    return first;
  }

  async close(): Promise<void> {
    this.http.close();
  }

  private async post(body: string): Promise<SendOutcome> {
    const token = await this.accessToken();
    if (typeof token !== 'string') return token;
    const url = `${this.options.endpoint ?? FCM_ENDPOINT}/v1/projects/${encodeURIComponent(this.projectId)}/messages:send`;
    const answer = await this.http.request(url, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body });
    return classify(answer, this.account !== undefined);
  }

  private async accessToken(): Promise<string | SendOutcome> {
    if (this.account === undefined) return this.options.providerToken!;
    if (this.token !== undefined && this.now() < this.token.expiresAt - TOKEN_MARGIN_MS) return this.token.value;
    this.pending ??= this.exchange().finally(() => (this.pending = undefined));
    const result = await this.pending;
    return 'value' in result ? result.value : result;
  }

  private async exchange(): Promise<AccessToken | SendOutcome> {
    const account = this.account!;
    const iat = Math.floor(this.now() / 1000);
    const assertion = signJwt('RS256', this.key!, { iss: account.client_email, scope: FCM_SCOPE, aud: account.token_uri, iat, exp: iat + 3600 }, account.private_key_id ? { kid: account.private_key_id } : {});
    const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString();
    const answer = await this.http.request(account.token_uri, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form });
    if (!answer.ok) return { kind: 'retry', reason: `token endpoint: ${answer.reason}` };
    if (answer.status !== 200) {
      const outcome = statusOutcome(answer.status, `token endpoint answered HTTP ${answer.status}${oauthError(answer.body)}`, answer.headers['retry-after']);
      return outcome.kind === 'delivered' ? { kind: 'retry', reason: 'token endpoint answered oddly' } : outcome;
    }
    try {
      const parsed = JSON.parse(answer.body) as { access_token?: unknown; expires_in?: unknown };
      if (typeof parsed.access_token !== 'string' || typeof parsed.expires_in !== 'number') throw new Error('incomplete');
      this.token = { value: parsed.access_token, expiresAt: this.now() + parsed.expires_in * 1000 };
      return this.token;
    } catch {
      return { kind: 'retry', reason: 'token endpoint answered without an access token' };
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** fcmMessage maps a Beams-shaped fcm part onto an FCM v1 message for one token. */
function fcmMessage(token: string, fcm: FcmNotification, ttlSeconds: number): Record<string, unknown> {
  const n = fcm.notification ?? {};
  const common = defined({ title: n.title, body: n.body, image: n.image });
  const android = defined({
    icon: n.icon,
    sound: n.sound,
    tag: n.tag,
    color: n.color,
    click_action: n.click_action,
    channel_id: n.android_channel_id,
    body_loc_key: n.body_loc_key,
    body_loc_args: n.body_loc_args,
    title_loc_key: n.title_loc_key,
    title_loc_args: n.title_loc_args,
  });
  const data = fcm.data === undefined ? undefined : Object.fromEntries(Object.entries(fcm.data).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return defined({
    token,
    notification: Object.keys(common).length > 0 ? common : undefined,
    data,
    android: defined({
      ttl: `${ttlSeconds}s`,
      priority: fcm.priority === undefined ? undefined : fcm.priority === 'high' ? 'HIGH' : 'NORMAL',
      collapse_key: fcm.collapse_key,
      notification: Object.keys(android).length > 0 ? android : undefined,
    }),
  });
}

/** classify reads FCM's answer: its status, and the FcmError code and field violations in the body. */
function classify(answer: HttpAnswer, refreshable: boolean): SendOutcome {
  if (!answer.ok) return { kind: 'retry', reason: answer.reason };
  const { status, body } = answer;
  if (status === 200) return { kind: 'delivered', status };
  const error = fcmError(body);
  const reason = error.code ?? error.status ?? `HTTP ${status}`;
  if (error.code === 'UNREGISTERED' || (status === 400 && error.badToken)) return { kind: 'invalid-token', status, reason: error.badToken ? 'INVALID_ARGUMENT (message.token)' : reason };
  if (status === 401 && refreshable) return { kind: 'retry', status, reason };
  return statusOutcome(status, reason, answer.headers['retry-after']);
}

interface FcmErrorBody {
  status?: string;
  code?: string;
  badToken: boolean;
}

function fcmError(body: string): FcmErrorBody {
  try {
    const parsed = JSON.parse(body) as { error?: { status?: unknown; details?: Array<{ errorCode?: unknown; fieldViolations?: Array<{ field?: unknown }> }> } };
    const details = Array.isArray(parsed.error?.details) ? parsed.error.details : [];
    const code = details.map((d) => d.errorCode).find((c): c is string => typeof c === 'string' && /^[A-Z_]{1,64}$/.test(c));
    const badToken = details.some((d) => Array.isArray(d.fieldViolations) && d.fieldViolations.some((v) => v.field === 'message.token'));
    const status = typeof parsed.error?.status === 'string' && /^[A-Z_]{1,64}$/.test(parsed.error.status) ? parsed.error.status : undefined;
    return { ...(status !== undefined ? { status } : {}), ...(code !== undefined ? { code } : {}), badToken };
  } catch {
    return { badToken: false };
  }
}

function oauthError(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === 'string' && /^[a-z_]{1,64}$/.test(parsed.error) ? ` (${parsed.error})` : '';
  } catch {
    return '';
  }
}

function readServiceAccount(value: ServiceAccount | string): ServiceAccount {
  let account: Partial<ServiceAccount>;
  try {
    account = typeof value === 'string' ? (JSON.parse(value) as Partial<ServiceAccount>) : value;
  } catch {
    throw new Error('the FCM service account is not JSON');
  }
  for (const field of ['client_email', 'private_key', 'token_uri'] as const) {
    if (typeof account[field] !== 'string' || account[field] === '') throw new Error(`the FCM service account has no ${field}`);
  }
  return account as ServiceAccount;
}

function defined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
