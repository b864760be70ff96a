import { CloseCode, PusherError } from '@sockudo-ts/shared';

/** HandshakeRequest is what the upgrade URL says: the app key and the protocol version (5-7 Pusher, 2 Sockudo V2). */
export interface HandshakeRequest {
  appKey: string;
  protocol: number;
}

const APP_PATH = /^\/app\/([^/]+)\/?$/;

/**
 * parseHandshake validates the upgrade URL (PROTOCOL.md §1) and throws PusherError with the refusal code:
 * 4005 bad path, 4008 no protocol, 4006 protocol not a number, 4007 unsupported protocol.
 */
export function parseHandshake(url: string): HandshakeRequest {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const match = APP_PATH.exec(path);
  if (match === null) throw new PusherError(CloseCode.InvalidPath, 'Invalid path: connect to /app/{app_key}');
  let appKey: string;
  try {
    appKey = decodeURIComponent(match[1]!);
  } catch {
    throw new PusherError(CloseCode.InvalidPath, 'Invalid path: the app key is not valid URL encoding');
  }
  const params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const raw = params.get('protocol');
  if (raw === null || raw === '') throw new PusherError(CloseCode.NoProtocol, 'No protocol version supplied');
  const protocol = Number(raw);
  if (!Number.isFinite(protocol) || !/^\d+$/.test(raw)) {
    throw new PusherError(CloseCode.InvalidVersion, `Invalid protocol version "${raw.slice(0, 20)}"`);
  }
  // why: 2 is Sockudo's V2 (serials, resume, rewind); 5-7 are Pusher's.
  if (protocol !== 2 && (protocol < 5 || protocol > 7)) {
    throw new PusherError(CloseCode.UnsupportedProtocol, `Unsupported protocol version ${protocol}`);
  }
  return { appKey, protocol };
}
