import { runProcess } from '@sockudo-ts/shared';
import { composeGateway } from './service.js';

await runProcess('gateway', composeGateway);
