import { runProcess } from '@sockudo-ts/shared';
import { composeHistory } from './service.js';

// The history service: stores the sequenced channel stream in PostgreSQL and enforces retention.
await runProcess('history', composeHistory);
