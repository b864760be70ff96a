// The public surface of @sockudo-ts/history: the history service's composition.
export { composeHistory } from './service.js';
