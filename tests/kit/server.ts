import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { startStandalone, type RunningServer } from '@sockudo-ts/standalone';
import { asAppId, buildConfig, createLogger, type App, type ServerConfig } from '@sockudo-ts/shared';

/** TestApp is an app definition for a test; omitted fields take the server's defaults. */
export type TestApp = Partial<App> & { id: string; key: string; secret: string };

/** TestServer is an embedded server started for one test file, on random ports. */
export interface TestServer extends RunningServer {
  /** app is the first configured app. */
  app: TestApp;
  apps: TestApp[];
  host: string;
  /** logs holds every log line the server wrote (to check that secrets never appear). */
  logs: string[];
}

/** ServerOptions adjust the test server: extra apps, app fields and config keys. */
export interface ServerOptions {
  /** app fields merged into the generated default app. */
  app?: AppFields;
  /** extra apps (full definitions) after the default one. */
  extraApps?: TestApp[];
  /** config keys (nested, Sockudo names) merged over the test defaults. */
  config?: Record<string, unknown>;
}

/** AppFields are an app's settings for a test: any of App's, the id as a plain string. */
export type AppFields = Omit<Partial<App>, 'id'> & { id?: string };

/** newApp returns an app with a unique id, key and secret. */
export function newApp(fields: AppFields = {}): TestApp {
  const tag = randomBytes(4).toString('hex');
  const { id, ...rest } = fields;
  return { key: `key-${tag}`, secret: `secret-${randomBytes(8).toString('hex')}`, ...rest, id: asAppId(id ?? `app-${tag}`) };
}

/** startServer starts the embedded server on 127.0.0.1 with random ports and a unique app. */
export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const app = newApp(options.app);
  const apps = [app, ...(options.extraApps ?? [])];
  const values: Record<string, unknown> = {
    host: '127.0.0.1',
    port: 0,
    log_level: 'debug',
    shutdown_grace_period: 1,
    ...options.config,
    metrics: { host: '127.0.0.1', port: 0, ...(options.config?.metrics as object | undefined) },
    app_manager: { driver: 'memory', array: { apps } },
  };
  const config: ServerConfig = buildConfig([{ name: 'test', values }], {});
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level: config.log_level, service: 'test', destination });
  const running = await startStandalone(config, logger);
  return { ...running, app, apps, host: '127.0.0.1', logs };
}
