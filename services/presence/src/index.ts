// The public surface of @sockudo-ts/presence.
export { GrpcPresenceServer } from './presence-server-grpc.js';
export { Reaper } from './reaper.js';
export { composePresence } from './service.js';
