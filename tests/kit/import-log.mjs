// A Node module hook for tests: every module the process loads is appended, as a URL, to the file named by
// IMPORT_LOG. Start a process with `node --import ./tests/kit/import-log.mjs ...` to see what it loaded.
import { register } from 'node:module';

register(new URL('./import-log-hooks.mjs', import.meta.url), { data: { file: process.env.IMPORT_LOG } });
