import { runProcess } from '@sockudo-ts/shared';
import { composePresence } from './service.js';

await runProcess('presence', composePresence);
