// The test kit: start real servers on random ports and talk to them with the real clients.
export * from './clients.js';
export * from './server.js';
export * from './protocol.js';
export * from './cluster.js';
export * from './processes.js';
export * from './services.js';
export * from './tcp-proxy.js';
export * from './tls.js';
export * from './nginx.js';
export * from './nats-auth.js';
