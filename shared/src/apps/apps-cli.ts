import { randomBytes, randomInt } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { MysqlDatabase } from '../db/database-mysql.js';
import { PostgresDatabase } from '../db/database-postgres.js';
import { databaseProvider } from '../db/database-url.js';
import type { CliIo } from '../db/migrate-cli.js';
import { asAppId } from '../ids.js';
import { APP_DEFAULTS, type App } from './app.js';
import { webhooksOf } from './app-row.js';
import type { AppPatch, AppTable } from './app-table.js';
import { openAppTable } from './app-table-prisma.js';

const USAGE = `usage: npm run apps -- <command> [--url URL]   (URL default: $DATABASE_URL, PostgreSQL or MySQL/MariaDB)
  add [--id ID] [--key KEY] [--set FIELD=VALUE ...]   add an app; prints its secret once
  list                                               list apps (never their secrets)
  rotate ID                                          give an app a new secret; prints it once
  disable ID | enable ID                             refuse or accept an app's connections and requests
  FIELD is an app setting (max_connections, enable_client_messages, allowed_origins=a,b, webhooks=<JSON list>, ...)`;

/** UsageError is a mistake on the command line: the CLI prints it with the usage and exits 2. */
class UsageError extends Error {}

/**
 * appsCli runs `npm run apps` with its arguments and returns the exit status: 0 done, 1 failed (database
 * unreachable or not migrated, no such app, id or key taken), 2 bad usage. Only `add` and `rotate` print a
 * secret, the one they just generated, once.
 */
export async function appsCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CliIo): Promise<number> {
  let table: AppTable | undefined;
  try {
    const args = parse(argv, env);
    const db = databaseProvider(args.url) === 'postgres' ? await PostgresDatabase.open({ url: args.url }) : await MysqlDatabase.open({ url: args.url });
    table = (await openAppTable(db)).table;
    return await run(table, args, io);
  } catch (err) {
    const usage = err instanceof UsageError;
    io.err(`apps: ${(err as Error).message}${usage ? `\n${USAGE}` : ''}`);
    return usage ? 2 : 1;
  } finally {
    await table?.close();
  }
}

/** CliArgs are the parsed command line of `npm run apps`. */
interface CliArgs {
  url: string;
  command: string;
  target: string | undefined;
  id: string | undefined;
  key: string | undefined;
  patch: AppPatch;
}

/** IDENTIFIER is what an app id or key given on the command line may hold (they appear in URLs). */
const IDENTIFIER = /^[A-Za-z0-9._-]{1,255}$/;

function parse(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { url: { type: 'string' }, id: { type: 'string' }, key: { type: 'string' }, set: { type: 'string', multiple: true } },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, target] = positionals;
  if (command === undefined || !['add', 'list', 'rotate', 'disable', 'enable'].includes(command)) throw new UsageError(`unknown command ${command ?? '(none)'}`);
  if (['rotate', 'disable', 'enable'].includes(command) && target === undefined) throw new UsageError(`${command} needs an app id`);
  for (const [name, value] of [['--id', values.id], ['--key', values.key]] as const) {
    if (value !== undefined && !IDENTIFIER.test(value)) throw new UsageError(`${name} takes letters, digits, '.', '_' and '-' (at most 255)`);
  }
  const url = values.url ?? env.DATABASE_URL ?? '';
  if (url === '') throw new UsageError('no database: pass --url or set DATABASE_URL');
  try {
    databaseProvider(url);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return { url, command, target, id: values.id, key: values.key, patch: settings(values.set ?? []) };
}

async function run(table: AppTable, args: CliArgs, io: CliIo): Promise<number> {
  if (args.command === 'list') {
    io.out(listing(await table.list()));
    return 0;
  }
  if (args.command === 'add') {
    const app: App = {
      ...APP_DEFAULTS,
      ...args.patch,
      id: asAppId(args.id ?? String(randomInt(1_000_000, 10_000_000))),
      key: args.key ?? randomBytes(10).toString('hex'),
      secret: newSecret(),
    };
    await table.insert(app);
    io.out(`added app ${app.id}\n  key:    ${app.key}\n  secret: ${app.secret}\n(the secret is shown only now: store it)`);
    return 0;
  }
  const id = asAppId(args.target!);
  const secret = newSecret();
  const change: AppPatch = args.command === 'rotate' ? { secret } : { enabled: args.command === 'enable' };
  if (!(await table.update(id, change))) {
    io.err(`apps: no app with id ${id}`);
    return 1;
  }
  io.out(args.command === 'rotate' ? `rotated the secret of app ${id}\n  secret: ${secret}\n(the secret is shown only now: store it)` : `${args.command}d app ${id}`);
  return 0;
}

/** newSecret is 32 random hex characters (128 bits). */
function newSecret(): string {
  return randomBytes(16).toString('hex');
}

/** settings turns `--set FIELD=VALUE` options into an app patch, checking each value's type. */
function settings(pairs: readonly string[]): AppPatch {
  const patch: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const field = pair.slice(0, Math.max(eq, 0));
    const raw = pair.slice(eq + 1);
    if (eq < 0 || !(field in APP_DEFAULTS)) throw new UsageError(`--set ${pair}: expected FIELD=VALUE with FIELD one of ${Object.keys(APP_DEFAULTS).join(', ')}`);
    const sample = APP_DEFAULTS[field as keyof typeof APP_DEFAULTS];
    if (field === 'webhooks') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new UsageError('--set webhooks=...: expected a JSON list');
      }
      const hooks = webhooksOf(parsed);
      if (typeof hooks === 'string') throw new UsageError(`--set webhooks: ${hooks}`);
      patch[field] = hooks;
    } else if (Array.isArray(sample)) {
      patch[field] = raw.split(',').map((s) => s.trim()).filter(Boolean);
    } else if (typeof sample === 'boolean') {
      if (raw !== 'true' && raw !== 'false') throw new UsageError(`--set ${field}: expected true or false`);
      patch[field] = raw === 'true';
    } else {
      if (!/^\d+$/.test(raw) || Number(raw) > 2_147_483_647) throw new UsageError(`--set ${field}: expected a whole number >= 0`);
      patch[field] = Number(raw);
    }
  }
  return patch as AppPatch;
}

/** listing renders apps as an aligned table: no secrets. */
function listing(apps: readonly App[]): string {
  if (apps.length === 0) return 'no apps';
  const rows = [
    ['id', 'key', 'enabled', 'max_connections', 'client_events', 'webhooks', 'allowed_origins'],
    ...apps.map((a) => [a.id, a.key, String(a.enabled), String(a.max_connections), String(a.enable_client_messages), String(a.webhooks.length), a.allowed_origins.join(',') || '*']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

// why: this file is both a library module (tests) and the `npm run apps` entry point; only the latter runs main.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const io: CliIo = { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') };
  // why: an entry point, like a service's main.ts, is where the process environment is read.
  process.exit(await appsCli(process.argv.slice(2), process.env, io));
}
