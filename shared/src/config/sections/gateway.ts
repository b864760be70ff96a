import { setting } from '../setting.js';

/** GATEWAY are the keys of the gateway: liveness timeouts and per-socket WebSocket limits. */
export const GATEWAY = {
  activity_timeout: setting.int(120, { env: ['ACTIVITY_TIMEOUT'], min: 1, unit: 's', doc: 'Seconds of silence before the server pings a socket; sent to clients in connection_established.' }),
  pong_timeout: setting.int(30, { env: ['PONG_TIMEOUT'], min: 1, unit: 's', doc: 'Seconds to wait for any frame after a server ping before closing with 4201.' }),
  user_authentication_timeout: setting.int(30, { env: ['USER_AUTHENTICATION_TIMEOUT'], min: 1, unit: 's', doc: 'Seconds a socket of an app with enable_authorized_connections has to sign in or subscribe privately.' }),
  websocket: {
    max_connections: setting.int(0, { env: ['WEBSOCKET_MAX_CONNECTIONS'], min: 0, doc: 'Sockets this node accepts before refusing with 4100; zero means no limit.' }),
    max_buffered_bytes: setting.int(1048576, { env: ['WEBSOCKET_MAX_BUFFERED_BYTES'], min: 1024, unit: 'bytes', doc: 'Outbound bytes a socket may have queued before it is closed with 4100 (slow consumer).' }),
    max_frames_per_second: setting.int(100, { env: ['WEBSOCKET_MAX_FRAMES_PER_SECOND'], min: 0, doc: 'Frames per second one socket may send on average (a token bucket refilled at this rate, holding frame_burst); beyond it the socket is closed with 4100. Zero means no limit.' }),
    frame_burst: setting.int(500, { env: ['WEBSOCKET_FRAME_BURST'], min: 1, doc: 'Frames one socket may send at once above max_frames_per_second (a reconnecting client re-subscribes to all its channels in one burst).' }),
    max_payload_kb: setting.int(64, { env: ['WEBSOCKET_MAX_PAYLOAD_KB'], min: 1, unit: 'KiB', doc: 'Largest client frame accepted; larger frames close the socket with 1009.' }),
  },
} as const;
