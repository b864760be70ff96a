import { Router, type Request } from 'express';
import {
  HttpError,
  asAppId,
  asDeviceId,
  asUserId,
  badRequest,
  interestProblem,
  interestsProblem,
  metadataProblem,
  notFound,
  readBody,
  safeEqual,
  unauthorized,
  userIdProblem,
  type App,
  type AppStore,
  type Device,
  type DeviceRegistration,
  type Logger,
  type Platform,
} from '@sockudo-ts/shared';
import { decodeSegment } from '../paths.js';
import { httpErrorOf } from '../middleware/errors.js';
import { parseQuery, type Query } from '../middleware/query.js';
import { asObject, notServed, type PushApi } from '../push/push-api.js';
import type { ApiResponse, Responder } from '../respond.js';
import { verifyBeamsToken } from './beams-token.js';

/** BEAMS_PREFIXES are the path prefixes of the Pusher Beams APIs this server answers. */
export const BEAMS_PREFIXES = ['/publish_api/v1/instances/', '/user_api/v1/instances/', '/device_api/v1/instances/'] as const;

/** BeamsOptions are what the Beams APIs are served from. */
export interface BeamsOptions {
  apps: AppStore;
  push: PushApi | undefined;
  /** limit refuses an address over the HTTP API's rate limit (429), as for the signed routes. */
  limit?: (req: Request, res: ApiResponse) => Promise<void> | undefined;
  /** instances maps a Beams instance id to its app id (`push.beams.instances`); unmapped ids are app ids. */
  instances: ReadonlyMap<string, string>;
  /** vapidPublicKey is what `web-vapid-public-key` answers (browsers subscribe with it); empty: 404. */
  vapidPublicKey: string;
  bodyLimit: number;
  responder: Responder;
  logger: Logger;
}

/** BeamsCall is one Beams request once its instance is resolved. */
interface BeamsCall {
  app: App;
  instance: string;
  push: PushApi;
  params: Readonly<Record<string, string>>;
  query: Query;
  body: unknown;
  authorization: string | undefined;
}

/** BeamsAnswer is a handler's answer: a body with 200, or a status and a body. */
type BeamsAnswer = unknown | { status: number; body: unknown };

const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 413: 'Payload Too Large', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };
const PLATFORMS = new Set(['apns', 'fcm', 'web']);
// why: the Beams device API is called from browsers on other origins (the web SDK); it needs no cookies.
const CORS = { 'Access-Control-Allow-Origin': '*' };

/**
 * beamsRouter serves the Pusher Beams APIs, so that apps keep their Beams code pointed at this server:
 * - the publish API (`publish_api/v1/.../publishes/interests` and `/users`) and the user API
 *   (`user_api/v1/.../users/{user}`), authenticated with `Authorization: Bearer <secret key>` (the app secret);
 * - the device API the Beams client SDKs call (`device_api/v1/...`): register a device (`devices/{platform}`),
 *   read, delete, set its interests and metadata, and associate its user with the token from the app's
 *   `authenticateUser` endpoint (an HS256 JWT signed with the secret key).
 * Errors are Beams' shape: `{"error": "<title>", "description": "<what is wrong>"}`.
 */
export function beamsRouter(options: BeamsOptions): Router {
  const router = Router({ caseSensitive: true, strict: true });
  const base = '/:api/v1/instances/:instance';
  const route = (method: 'get' | 'post' | 'put' | 'delete', path: string, name: string, auth: 'secret' | 'none', handler: (call: BeamsCall) => Promise<BeamsAnswer>): void => {
    router[method](base + path, (req, res) => void serve(req, res as ApiResponse, name, auth, handler));
  };
  const serve = async (req: Request, res: ApiResponse, name: string, auth: 'secret' | 'none', handler: (call: BeamsCall) => Promise<BeamsAnswer>): Promise<void> => {
    const state = res.locals;
    state.route = name;
    const device = req.params.api === 'device_api';
    const headers = device ? CORS : undefined;
    try {
      await options.limit?.(req, res);
      const instance = decodeSegment(String(req.params.instance));
      const app = await options.apps.byId(asAppId(options.instances.get(instance) ?? instance));
      if (app === undefined) throw notFound(`Unknown instance ${instance.slice(0, 64)}`);
      state.app = app;
      const authorization = req.headers.authorization;
      if (auth === 'secret') {
        const secret = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
        if (secret === undefined) throw unauthorized('Missing or malformed Authorization header (Bearer <secret key>)');
        if (!safeEqual(secret, app.secret)) throw unauthorized('Incorrect secret key for this instance');
      }
      if (!app.enabled) throw new HttpError(403, 'forbidden', 'This instance is disabled');
      if (options.push === undefined) throw notServed();
      const raw = req.method === 'GET' || req.method === 'DELETE' ? Buffer.alloc(0) : await readBody(req, options.bodyLimit);
      const body = raw.length > 0 ? parseJson(raw) : undefined;
      const params: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.params)) if (key !== 'api' && key !== 'instance') params[key] = decodeSegment(String(value));
      const answer = await handler({ app, instance, push: options.push, params, query: parseQuery(state.rawQuery), body, authorization });
      const withStatus = answer as { status?: unknown; body?: unknown };
      if (typeof withStatus === 'object' && withStatus !== null && typeof withStatus.status === 'number' && 'body' in withStatus) options.responder.send(req, res, withStatus.status, withStatus.body, headers);
      else options.responder.send(req, res, 200, answer ?? {}, headers);
    } catch (err) {
      const e = httpErrorOf(err);
      if (e === undefined) options.logger.error({ err, app_id: state.app?.id, route: name }, 'Beams API handler failed');
      const status = e?.status ?? 500;
      options.responder.sendFailure(req, res, status, { error: TITLES[status] ?? 'Error', description: e?.message ?? 'Internal server error' }, { ...e?.headers, ...headers });
    }
  };

  route('post', '/publishes/interests', 'beams_publish_interests', 'secret', async ({ app, push, body }) => ({ publishId: await push.publish(app.id, body, 'interests') }));
  route('post', '/publishes/users', 'beams_publish_users', 'secret', async ({ app, push, body }) => ({ publishId: await push.publish(app.id, body, 'users') }));
  route('delete', '/users/:user', 'beams_delete_user', 'secret', async ({ app, push, params }) => {
    const user = params.user!;
    if (userIdProblem(user) !== undefined) throw badRequest(userIdProblem(user)!);
    await push.stores.devices.deleteUser(app.id, asUserId(user));
    return {};
  });

  router.options(`${base}/*rest`, (req, res) => {
    res.writeHead(204, { ...CORS, 'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE', 'Access-Control-Allow-Headers': 'Content-Type, Authorization', 'Access-Control-Max-Age': '600' }).end();
  });
  route('get', '/web-vapid-public-key', 'beams_vapid_key', 'none', async () => {
    if (options.vapidPublicKey === '') throw notFound('Web Push is not configured on this server (push.providers.webpush)');
    return { vapidPublicKey: options.vapidPublicKey };
  });
  route('post', '/devices/:platform', 'beams_device_register', 'none', async ({ app, push, params, body }) => {
    const device = await push.stores.devices.register(app.id, push.registration(beamsRegistration(platformOf(params), asObject(body, 'a device registration'))));
    return { id: device.id, initialInterestSet: device.interests };
  });
  route('get', '/devices/:platform/:deviceId', 'beams_device_get', 'none', async (call) => {
    const device = await deviceOf(call);
    return { id: device.id, ...(device.user_id !== undefined ? { userId: device.user_id } : {}), metadata: device.metadata };
  });
  route('delete', '/devices/:platform/:deviceId', 'beams_device_delete', 'none', async (call) => {
    await deviceOf(call);
    await call.push.stores.devices.delete(call.app.id, asDeviceId(call.params.deviceId!));
    return {};
  });
  route('get', '/devices/:platform/:deviceId/interests', 'beams_device_interests', 'none', async (call) => {
    const device = await deviceOf(call);
    return { interests: device.interests, responseMetadata: {} };
  });
  route('put', '/devices/:platform/:deviceId/interests', 'beams_device_set_interests', 'none', async (call) => {
    await deviceOf(call);
    const interests = asObject(call.body, 'the body').interests;
    const problem = interestsProblem(interests);
    if (problem !== undefined) throw badRequest(problem);
    await call.push.stores.devices.setInterests(call.app.id, asDeviceId(call.params.deviceId!), interests as string[]);
    return {};
  });
  route('post', '/devices/:platform/:deviceId/interests/:interest', 'beams_device_add_interest', 'none', async (call) => {
    await deviceOf(call);
    const interest = call.params.interest!;
    if (interestProblem(interest) !== undefined) throw badRequest(interestProblem(interest)!);
    await call.push.stores.devices.addInterest(call.app.id, asDeviceId(call.params.deviceId!), interest);
    return {};
  });
  route('delete', '/devices/:platform/:deviceId/interests/:interest', 'beams_device_remove_interest', 'none', async (call) => {
    await deviceOf(call);
    await call.push.stores.devices.removeInterest(call.app.id, asDeviceId(call.params.deviceId!), call.params.interest!);
    return {};
  });
  route('put', '/devices/:platform/:deviceId/metadata', 'beams_device_metadata', 'none', async (call) => {
    await deviceOf(call);
    const metadata = asObject(call.body ?? {}, 'metadata');
    if (metadataProblem(metadata) !== undefined) throw badRequest(metadataProblem(metadata)!);
    await call.push.stores.devices.update(call.app.id, asDeviceId(call.params.deviceId!), { metadata });
    return {};
  });
  route('put', '/devices/:platform/:deviceId/user', 'beams_device_user', 'none', async (call) => {
    const token = /^Bearer (.+)$/.exec(call.authorization ?? '')?.[1];
    if (token === undefined) throw unauthorized('Missing Authorization header (Bearer <token from your auth endpoint>)');
    const verified = verifyBeamsToken(token, call.app.secret, call.instance);
    if (typeof verified === 'string') throw unauthorized(verified);
    if (userIdProblem(verified.userId) !== undefined) throw badRequest(userIdProblem(verified.userId)!);
    const device = await deviceOf(call);
    if (device.user_id !== undefined && device.user_id !== verified.userId) throw new HttpError(403, 'forbidden', 'This device is already associated with another user');
    await call.push.stores.devices.associateUser(call.app.id, device.id, asUserId(verified.userId));
    return {};
  });
  return router;
}

function platformOf(params: Readonly<Record<string, string>>): Platform {
  const platform = params.platform!;
  if (!PLATFORMS.has(platform)) throw notFound('Unknown device platform (apns, fcm or web)');
  return platform as Platform;
}

async function deviceOf(call: BeamsCall): Promise<Device> {
  const platform = platformOf(call.params);
  const device = await call.push.stores.devices.get(call.app.id, asDeviceId(call.params.deviceId!));
  if (device === undefined || device.platform !== platform) throw notFound('Device not found');
  return device;
}

/**
 * beamsRegistration reads a Beams SDK's device body: `token` (APNs hex token, FCM token, or for web the
 * browser's PushSubscription as JSON, base64-encoded as the web SDK sends it) and `metadata`.
 */
function beamsRegistration(platform: Platform, body: Record<string, unknown>): DeviceRegistration {
  const token = body.token;
  if (typeof token !== 'string' || token === '') throw badRequest('token is required');
  const metadata = body.metadata !== undefined ? { metadata: asObject(body.metadata, 'metadata') } : {};
  if (platform !== 'web') return { platform, token, ...metadata };
  const text = token.trimStart().startsWith('{') ? token : Buffer.from(token, 'base64').toString('utf8');
  let subscription: unknown;
  try {
    subscription = JSON.parse(text);
  } catch {
    throw badRequest('a web token must be the PushSubscription as JSON (base64-encoded)');
  }
  return { platform, subscription: subscription as Extract<DeviceRegistration, { platform: 'web' }>['subscription'], ...metadata };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('Request body is not valid JSON');
  }
}
