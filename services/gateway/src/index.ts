// The public surface of @sockudo-ts/gateway.
export { Gateway, type GatewayDeps } from './gateway.js';
export { encodeTextFrame } from './frame.js';
export { parseHandshake, type HandshakeRequest } from './handshake.js';
export { NodeHeartbeat, snapshotOf } from './node-heartbeat.js';
export { composeGateway } from './service.js';
