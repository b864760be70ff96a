import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppStore } from '../apps/app-store.js';
import type { ReadinessProbe } from '../drivers/opened.js';
import { asAppId } from '../ids.js';
import { sendJson, sendText } from './http.js';

/** HealthOptions are what the health routes answer from: the app store (for `/up/{app_id}`) and the probes. */
export interface HealthOptions {
  /** apps answers `/up/{app_id}`; without it that route is not served. */
  apps?: AppStore;
  /** probes decide `/ready`: 200 when every probe is ready, else 503. */
  probes: () => readonly ReadinessProbe[];
}

/** RequestRoute serves a request it knows and returns true, or returns false to let the caller route it. */
export type RequestRoute = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * healthRoutes answers `GET /` and `GET /up` (200 `OK` while the process runs), `GET /up/{app_id}` (200 or
 * 404), and `GET /ready` (200, or 503 while a dependency is unreachable; the body names each dependency by
 * role, never by address).
 */
export function healthRoutes(options: HealthOptions): RequestRoute {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/' || path === '/up') {
      sendText(res, 200, 'OK');
      return true;
    }
    if (path === '/ready') {
      const checks: Record<string, boolean> = {};
      for (const probe of options.probes()) checks[probe.name] = (checks[probe.name] ?? true) && probe.ready();
      const ready = Object.values(checks).every(Boolean);
      sendJson(res, ready ? 200 : 503, { ready, checks });
      return true;
    }
    const match = /^\/up\/([^/]+)$/.exec(path);
    if (match === null || options.apps === undefined) return false;
    let appId: string;
    try {
      appId = decodeURIComponent(match[1]!);
    } catch {
      sendText(res, 400, 'Bad app id encoding');
      return true;
    }
    options.apps.byId(asAppId(appId)).then(
      (app) => (app ? sendText(res, 200, 'OK') : sendText(res, 404, 'App not found')),
      () => sendText(res, 503, 'App store unavailable'),
    );
    return true;
  };
}
