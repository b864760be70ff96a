import { describe } from 'vitest';
import { MARIADB, servicesUp } from '../../../tests/kit/services.js';
import { describeSqlAppStore } from './sql-app-store.js';

const up = await servicesUp('MysqlAppStore', MARIADB);

describe.skipIf(!up)('MysqlAppStore (real MariaDB)', () => {
  describeSqlAppStore('mysql');
});
