import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { PrismaPg } from '@prisma/adapter-pg';
import { DriverAdapterError, bindMigrationAwareSqlAdapterFactory, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import pg from 'pg';
import { postgresPoolConfig, withDatabaseName } from './database-url.js';
import type { SchemaFile } from './migrations.js';

/** PG_CHAR is PostgreSQL's one-byte `"char"` type, which the engine's catalog queries return (pg_class.relkind...). */
const PG_CHAR = 18;
/** PG_TEXT is `text`, which the pg driver adapter reads. */
const PG_TEXT = 25;

type Glue = typeof import('@prisma/schema-engine-wasm');
type WasmExports = Record<string, unknown> & { __wbindgen_start(): void };
// why: the project compiles without the DOM lib, which is where TypeScript declares WebAssembly.
const { WebAssembly } = globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: WasmExports } }> };
};

let glue: Promise<Glue> | undefined;
let lastPanic = '';

/**
 * loadEngineGlue instantiates Prisma's schema engine (WebAssembly) once per process. why: the package's entry
 * imports the .wasm file as an ES module, which Node 20 only allows behind --experimental-wasm-modules;
 * instantiating the same bytes by hand against its JS glue needs no flag, so `npm run db:migrate`, the
 * container's migrate command and the tests run on a plain `node`.
 */
function loadEngineGlue(): Promise<Glue> {
  glue ??= (async () => {
    const bindings = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as Glue & { __wbg_set_wasm(exports: WasmExports): void };
    const wasmPath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm').replace(/schema_engine\.js$/, 'schema_engine_bg.wasm');
    const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), { './schema_engine_bg.js': bindings });
    const exports = instance.exports;
    bindings.__wbg_set_wasm(exports);
    exports.__wbindgen_start();
    // why: a Rust panic inside the engine reports its message here before the call rejects with `unreachable`.
    (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = { set_message: (m: string) => (lastPanic = m) };
    return bindings;
  })();
  return glue;
}

/** EngineSession is a schema engine bound to one PostgreSQL database; `close()` frees the engine and its pool. */
export interface EngineSession {
  engine: SchemaEngine;
  close(): Promise<void>;
}

/**
 * openSchemaEngine starts the schema engine on the PostgreSQL database at `url` with the given schema files.
 * Shadow databases (for `diff` against the migration history) are created on the same server as
 * `sockudo_shadow_<random>` and dropped WITH (FORCE) once the engine is done with them.
 */
export async function openSchemaEngine(url: string, schema: readonly SchemaFile[]): Promise<EngineSession> {
  const bindings = await loadEngineGlue();
  const main = new PrismaPg({ ...postgresPoolConfig(url), Client: CharAsTextClient });
  // why: the engine never disposes the adapters it connects; their idle pooled connections would keep the
  // process alive for the pool's idle timeout after the work is done.
  const opened: SqlDriverAdapter[] = [];
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: async () => {
      const adapter = wholeScripts(await main.connect(), async () => undefined);
      opened.push(adapter);
      return adapter;
    },
    connectToShadowDb: () => connectToShadowDb(url),
  };
  lastPanic = '';
  try {
    const engine = await bindings.SchemaEngine.new(
      { datamodels: schema.map((f) => [f.path, f.content] as [string, string]) },
      () => undefined,
      bindMigrationAwareSqlAdapterFactory(factory),
    );
    const close = async (): Promise<void> => {
      engine.free();
      await Promise.all(opened.map((adapter) => adapter.dispose()));
    };
    return { engine, close };
  } catch (err) {
    throw withPanic(err);
  }
}

/** withPanic adds the engine's panic message (if any) to an error that came out of the engine. */
export function withPanic(err: unknown): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  if (lastPanic !== '') error.message = `${error.message} (schema engine: ${lastPanic})`;
  lastPanic = '';
  return error;
}

/**
 * connectToShadowDb creates a scratch database next to the target one and returns an adapter on it whose
 * `dispose()` closes the adapter's pool and then drops the database. why: the pg adapter's own shadow handling
 * drops the database while its pool still holds connections, which PostgreSQL refuses.
 */
async function connectToShadowDb(url: string): Promise<SqlDriverAdapter> {
  const name = `sockudo_shadow_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `CREATE DATABASE "${name}"`);
  const inner = await new PrismaPg({ ...postgresPoolConfig(withDatabaseName(url, name)), Client: CharAsTextClient }).connect();
  return wholeScripts(inner, () => adminQuery(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/**
 * wholeScripts wraps a pg adapter so that `executeScript` sends a migration script in one simple query (as
 * Prisma's native engine does: one implicit transaction) and `dispose` runs `afterDispose` once the pool is
 * closed. why: the adapter's own executeScript splits the script at every `;`, which breaks PL/pgSQL bodies
 * and string literals holding a semicolon.
 */
function wholeScripts(inner: SqlDriverAdapter & { underlyingDriver(): pg.Pool }, afterDispose: () => Promise<void>): SqlDriverAdapter & { underlyingDriver(): pg.Pool } {
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw: (q) => inner.queryRaw(q),
    executeRaw: (q) => inner.executeRaw(q),
    executeScript: async (script) => {
      try {
        await inner.underlyingDriver().query(script);
      } catch (err) {
        throw asDriverError(err);
      }
    },
    startTransaction: (level) => inner.startTransaction(level),
    getConnectionInfo: () => inner.getConnectionInfo!(),
    underlyingDriver: () => inner.underlyingDriver(),
    dispose: async () => {
      await inner.dispose();
      await afterDispose();
    },
  };
}

/** asDriverError gives a PostgreSQL error the shape the engine reports with its code and message. */
function asDriverError(err: unknown): unknown {
  if (!(err instanceof pg.DatabaseError)) return err;
  return new DriverAdapterError({
    kind: 'postgres',
    code: err.code ?? 'N/A',
    severity: err.severity ?? 'N/A',
    message: err.message,
    detail: err.detail,
    column: err.column,
    hint: err.hint,
  });
}

/** adminQuery runs one statement on its own connection to `url` (CREATE/DROP DATABASE cannot run in a pool transaction). */
export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client(postgresPoolConfig(url));
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

type QueryResultLike = { fields?: { dataTypeID: number }[] };

/**
 * CharAsTextClient is a pg client that reports `"char"` result columns as `text`. why: the pg driver adapter
 * has no column type for OID 18 and fails the engine's catalog queries; the values are plain strings either way.
 */
class CharAsTextClient extends pg.Client {
  override query(...args: unknown[]): never {
    const callback = args.findIndex((a) => typeof a === 'function');
    if (callback >= 0) {
      const done = args[callback] as (err: Error | null, res: unknown) => void;
      args[callback] = (err: Error | null, res: unknown) => done(err, err ? res : charAsText(res));
      return (super.query as (...a: unknown[]) => never)(...args);
    }
    const out = (super.query as (...a: unknown[]) => unknown)(...args);
    return (out instanceof Promise ? out.then(charAsText) : out) as never;
  }
}

function charAsText(res: unknown): unknown {
  for (const result of Array.isArray(res) ? (res as QueryResultLike[]) : [res as QueryResultLike]) {
    for (const field of result?.fields ?? []) if (field.dataTypeID === PG_CHAR) field.dataTypeID = PG_TEXT;
  }
  return res;
}
