import { runProcess } from '@sockudo-ts/shared';
import { composeApi } from './service.js';

await runProcess('api', composeApi);
