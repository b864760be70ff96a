// The public surface of @sockudo-ts/standalone: the embedded composition, for tests and embedding.
export { composeStandalone, startStandalone, type RunningServer } from './server.js';
