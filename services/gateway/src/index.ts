// The public surface of @sockudo-ts/gateway.
export { Gateway, type GatewayDeps, type GatewaySizes } from './gateway.js';
export type { GatewaySettings } from './context.js';
export { encodeTextFrame } from './frame.js';
export { parseHandshake, type HandshakeRequest } from './handshake.js';
export { NodeHeartbeat } from './node-heartbeat.js';
export { composeGateway } from './service.js';
