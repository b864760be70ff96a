// The image's entrypoint: `IMAGE <service> [args]` runs that service IN this process (node stays PID 1, so
// SIGTERM reaches the service's own handler, which drains sockets with close code 4200 and exits).
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const entries = {
  standalone: 'services/standalone/dist/main.js',
  gateway: 'services/gateway/dist/main.js',
  api: 'services/api/dist/main.js',
  presence: 'services/presence/dist/main.js',
  webhook: 'services/webhook/dist/main.js',
  push: 'services/push/dist/main.js',
  history: 'services/history/dist/main.js',
  migrate: 'shared/dist/db/migrate-cli.js',
  apps: 'shared/dist/apps/apps-cli.js',
};
const [name = 'standalone', ...rest] = process.argv.slice(2);
const path = entries[name] === undefined ? undefined : new URL(`../../${entries[name]}`, import.meta.url);
if (path === undefined || !existsSync(path)) {
  const known = Object.entries(entries)
    .filter(([, p]) => existsSync(new URL(`../../${p}`, import.meta.url)))
    .map(([n]) => n);
  process.stderr.write(`sockudo-ts: unknown service ${JSON.stringify(name)}; run one of: ${known.join(', ')}\n`);
  process.exit(2);
}
// why: the service reads `--config FILE` from process.argv and checks that it is its own main module.
process.argv = [process.argv[0], path.pathname, ...rest];
await import(pathToFileURL(path.pathname).href);
