import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, substituteEnv } from '@sockudo-ts/shared';
import { tempCwd } from './helpers.js';

const TOML = `
host = "127.0.0.2"
port = 7001
debug = true
activity_timeout = 60
shutdown_grace_period = 5
user_authentication_timeout = 15

[metrics]
enabled = false
host = "127.0.0.3"
port = 9700

[app_manager]
driver = "memory"

[[app_manager.array.apps]]
id = "toml-app"
key = "toml-key"
secret = "toml-secret"
`;

const JSON_CONFIG = JSON.stringify({
  host: '127.0.0.4',
  port: 7002,
  debug: true,
  activity_timeout: 61,
  shutdown_grace_period: 6,
  user_authentication_timeout: 16,
  metrics: { enabled: false, host: '127.0.0.5', port: 9701 },
  app_manager: { driver: 'memory', array: { apps: [{ id: 'json-app', key: 'json-key', secret: 'json-secret' }] } },
});

describe('config files', () => {
  it('reads a TOML file given with --config', () => {
    const cwd = tempCwd({ 'my.toml': TOML });
    const c = loadConfig({ argv: ['--config', 'my.toml'], env: {}, cwd });
    expect(c.host).toBe('127.0.0.2');
    expect(c.port).toBe(7001);
    expect(c.debug).toBe(true);
    expect(c.activity_timeout).toBe(60);
    expect(c.shutdown_grace_period).toBe(5);
    expect(c.user_authentication_timeout).toBe(15);
    expect(c.metrics).toMatchObject({ enabled: false, host: '127.0.0.3', port: 9700 });
    expect(c.app_manager.driver).toBe('memory');
    expect(c.app_manager.array.apps.map((a) => [a.id, a.key, a.secret])).toEqual([['toml-app', 'toml-key', 'toml-secret']]);
  });

  it('reads a JSON file given with --config=FILE, choosing the parser by extension', () => {
    const cwd = tempCwd({ 'conf/my.json': JSON_CONFIG });
    const c = loadConfig({ argv: ['--config=conf/my.json'], env: {}, cwd });
    expect(c.host).toBe('127.0.0.4');
    expect(c.port).toBe(7002);
    expect(c.activity_timeout).toBe(61);
    expect(c.shutdown_grace_period).toBe(6);
    expect(c.user_authentication_timeout).toBe(16);
    expect(c.metrics).toMatchObject({ enabled: false, host: '127.0.0.5', port: 9701 });
    expect(c.app_manager.array.apps.map((a) => a.id)).toEqual(['json-app']);
  });

  it('takes an absolute --config path', () => {
    const dir = tempCwd({ 'abs.toml': 'port = 7003' });
    const c = loadConfig({ argv: ['--config', join(dir, 'abs.toml')], env: {}, cwd: tempCwd() });
    expect(c.port).toBe(7003);
  });

  it('refuses a file whose extension is neither .toml nor .json, naming the file', () => {
    const cwd = tempCwd({ 'my.yaml': 'port: 7001' });
    expect(() => loadConfig({ argv: ['--config', 'my.yaml'], env: {}, cwd })).toThrow(/my\.yaml.*\.toml or \.json/);
  });

  it('refuses a missing --config file, naming it', () => {
    const cwd = tempCwd();
    expect(() => loadConfig({ argv: ['--config', 'nope.toml'], env: {}, cwd })).toThrow(ConfigError);
    expect(() => loadConfig({ argv: ['--config', 'nope.toml'], env: {}, cwd })).toThrow(/nope\.toml/);
  });

  it('refuses --config without a file instead of silently using the defaults', () => {
    for (const argv of [['--config'], ['--config='], ['--config', '--debug']]) {
      expect(() => loadConfig({ argv, env: {}, cwd: tempCwd() })).toThrow(/--config: expected a file path/);
    }
  });

  it('never prints a substituted value when the result does not parse (it may be a secret)', () => {
    const secret = 'pa"ss-TOP-SECRET';
    const cwd = tempCwd({ 's.toml': 'port = 7001\nsecret = "${APP_SECRET}"\n', 's.json': '{"port": 7001,\n"secret": ${APP_SECRET}}' });
    for (const file of ['s.toml', 's.json']) {
      let message = '';
      try {
        loadConfig({ argv: ['--config', file], env: { APP_SECRET: secret }, cwd });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain(`${file}: cannot parse`);
      expect(message).toContain('${VAR} substitution');
      expect(message).not.toContain('TOP-SECRET');
      expect(message).not.toContain('pa"ss');
    }
  });

  it('points at the line of a TOML syntax error, showing the line as written', () => {
    const cwd = tempCwd({ 's.toml': 'port = 7001\nsecret = "${APP_SECRET}"\n' });
    expect(() => loadConfig({ argv: ['--config', 's.toml'], env: { APP_SECRET: 'a"b' }, cwd })).toThrow(
      /s\.toml: cannot parse TOML: line 2, column \d+: .*\(line 2: secret = "\$\{APP_SECRET\}"\)/,
    );
  });

  it('reports a syntax error with the file name', () => {
    const cwd = tempCwd({ 'bad.toml': 'port = = 1', 'bad.json': '{"port": }' });
    expect(() => loadConfig({ argv: ['--config', 'bad.toml'], env: {}, cwd })).toThrow(/bad\.toml: cannot parse TOML/);
    expect(() => loadConfig({ argv: ['--config', 'bad.json'], env: {}, cwd })).toThrow(/bad\.json: cannot parse JSON/);
  });
});

describe('${VAR} substitution inside files', () => {
  it('substitutes ${VAR} and ${VAR:-default}', () => {
    const env = { A: 'alpha', EMPTY: '' };
    expect(substituteEnv('x=${A} y=${B:-beta} z=${A:-unused} e=${EMPTY:-fallback} u=[${UNSET}]', env)).toBe(
      'x=alpha y=beta z=alpha e=fallback u=[]',
    );
    expect(substituteEnv('$A and ${not a var} stay', env)).toBe('$A and ${not a var} stay');
  });

  it('substitutes in TOML before parsing, so numbers and booleans can come from the environment', () => {
    const cwd = tempCwd({
      's.toml': `
host = "\${BIND_HOST}"
port = "\${BIND_PORT:-7010}"
debug = "\${DEBUG_ON:-false}"
[[app_manager.array.apps]]
id = "\${APP_ID:-sub-app}"
key = "\${APP_KEY}"
secret = "\${APP_SECRET:-s3cret}"
max_connections = "\${APP_MAX:-7}"
`,
    });
    const c = loadConfig({ argv: ['--config', 's.toml'], env: { BIND_HOST: '10.0.0.1', APP_KEY: 'k-from-env', DEBUG_ON: 'true' }, cwd });
    expect(c.host).toBe('10.0.0.1');
    expect(c.port).toBe(7010);
    expect(c.debug).toBe(true);
    expect(c.app_manager.array.apps[0]).toMatchObject({ id: 'sub-app', key: 'k-from-env', secret: 's3cret', max_connections: 7 });
  });

  it('substitutes in JSON files too', () => {
    const cwd = tempCwd({ 's.json': '{"port": ${P:-7011}, "host": "${H:-127.0.0.9}"}' });
    expect(loadConfig({ argv: ['--config', 's.json'], env: { P: '7012' }, cwd })).toMatchObject({ port: 7012, host: '127.0.0.9' });
  });
});

describe('precedence: environment > --config > config/config.toml > defaults', () => {
  const files = {
    'config/config.toml': 'host = "10.0.0.1"\nport = 7001\nactivity_timeout = 50\nshutdown_grace_period = 9\n',
    'other.toml': 'port = 7002\nactivity_timeout = 51\n',
  };

  it('uses defaults when nothing is configured', () => {
    const c = loadConfig({ argv: [], env: {}, cwd: tempCwd() });
    expect(c).toMatchObject({
      host: '0.0.0.0',
      port: 6001,
      debug: false,
      activity_timeout: 120,
      shutdown_grace_period: 3,
      user_authentication_timeout: 30,
      metrics: { enabled: true, host: '127.0.0.1', port: 9601 },
      app_manager: { driver: 'memory' },
      http_api: { request_limit_in_mb: 1 },
      websocket: { max_buffered_bytes: 1048576 },
    });
  });

  it('reads config/config.toml from the working directory without --config', () => {
    const c = loadConfig({ argv: [], env: {}, cwd: tempCwd(files) });
    expect(c).toMatchObject({ host: '10.0.0.1', port: 7001, activity_timeout: 50, shutdown_grace_period: 9 });
  });

  it('lets --config override config/config.toml key by key', () => {
    const c = loadConfig({ argv: ['--config', 'other.toml'], env: {}, cwd: tempCwd(files) });
    expect(c).toMatchObject({ host: '10.0.0.1', port: 7002, activity_timeout: 51, shutdown_grace_period: 9 });
  });

  it('lets the environment override every file', () => {
    const c = loadConfig({ argv: ['--config', 'other.toml'], env: { PORT: '7003', HOST: '10.0.0.2' }, cwd: tempCwd(files) });
    expect(c).toMatchObject({ host: '10.0.0.2', port: 7003, activity_timeout: 51, shutdown_grace_period: 9 });
  });

  it('ignores empty environment variables', () => {
    const c = loadConfig({ argv: [], env: { PORT: '', HOST: '' }, cwd: tempCwd(files) });
    expect(c).toMatchObject({ host: '10.0.0.1', port: 7001 });
  });

  it('lets overrides (the test kit) sit between the files and the environment', () => {
    const c = loadConfig({ argv: ['--config', 'other.toml'], env: { HOST: '10.0.0.3' }, cwd: tempCwd(files), overrides: { port: 7004, host: 'ignored' } });
    expect(c).toMatchObject({ host: '10.0.0.3', port: 7004 });
  });
});

describe('environment variables', () => {
  it('reads HOST, PORT, DEBUG, ACTIVITY_TIMEOUT, METRICS_ENABLED and METRICS_PORT', () => {
    const env = { HOST: '127.0.0.7', PORT: '7005', DEBUG: 'true', ACTIVITY_TIMEOUT: '33', METRICS_ENABLED: 'false', METRICS_PORT: '9777' };
    const c = loadConfig({ argv: [], env, cwd: tempCwd() });
    expect(c).toMatchObject({ host: '127.0.0.7', port: 7005, debug: true, activity_timeout: 33, metrics: { enabled: false, port: 9777 } });
  });

  it('accepts 1/0 and yes/no for booleans', () => {
    expect(loadConfig({ argv: [], env: { DEBUG: '1', METRICS_ENABLED: 'no' }, cwd: tempCwd() })).toMatchObject({ debug: true, metrics: { enabled: false } });
    expect(loadConfig({ argv: [], env: { DEBUG: '0', METRICS_ENABLED: 'yes' }, cwd: tempCwd() })).toMatchObject({ debug: false, metrics: { enabled: true } });
  });
});
