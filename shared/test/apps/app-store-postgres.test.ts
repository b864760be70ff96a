import { describe } from 'vitest';
import { POSTGRES, servicesUp } from '../../../tests/kit/services.js';
import { describeSqlAppStore } from './sql-app-store.js';

const up = await servicesUp('PostgresAppStore', POSTGRES);

describe.skipIf(!up)('PostgresAppStore (real PostgreSQL)', () => {
  describeSqlAppStore('postgres');
});
