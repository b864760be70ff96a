import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@sockudo-ts/shared';
import { tempCwd } from './helpers.js';

/** failure loads the config and returns the ConfigError message, failing the test when it loads. */
function failure(files: Record<string, string>, argv: string[], env: Record<string, string> = {}): string {
  try {
    loadConfig({ argv, env, cwd: tempCwd(files) });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the config loaded although it is bad');
}

const APP = '[[app_manager.array.apps]]\nid = "a"\nkey = "k"\nsecret = "s"\n';

describe('a bad value stops start-up with a message naming the key and the file', () => {
  it.each([
    ['port = "abc"', 'port', 'a number'],
    ['port = 70000', 'port', 'a number <= 65535'],
    ['port = -1', 'port', 'a number >= 0'],
    ['activity_timeout = 0', 'activity_timeout', 'a number >= 1'],
    ['activity_timeout = 1.5', 'activity_timeout', 'an integer'],
    ['debug = "maybe"', 'debug', 'true or false'],
    ['host = ["a", "b"]', 'host', 'a string'],
    ['shutdown_grace_period = "soon"', 'shutdown_grace_period', 'a number'],
    ['[metrics]\nport = "nine"', 'metrics.port', 'a number'],
    ['[metrics]\nenabled = "sometimes"', 'metrics.enabled', 'true or false'],
    ['[app_manager]\ndriver = "mongodb"', 'app_manager.driver', 'one of memory, array, postgres, mysql'],
  ])('%s', (text, key, expected) => {
    const message = failure({ 'bad.toml': text }, ['--config', 'bad.toml']);
    expect(message).toContain('bad.toml');
    expect(message).toContain(`${key}: expected ${expected}`);
  });

  it('names the file config/config.toml when the bad value is there', () => {
    expect(failure({ 'config/config.toml': 'port = "x"' }, [])).toMatch(/config\/config\.toml: port: expected a number/);
  });

  it('names the JSON file and the key', () => {
    expect(failure({ 'bad.json': '{"metrics":{"port":"x"}}' }, ['--config', 'bad.json'])).toMatch(/bad\.json: metrics\.port: expected a number/);
  });

  it.each([
    ['max_connections = "lots"', 'app_manager.array.apps[0].max_connections', 'a number'],
    ['enable_client_messages = "yes please"', 'app_manager.array.apps[0].enable_client_messages', 'true or false'],
    ['max_event_payload_in_kb = -3', 'app_manager.array.apps[0].max_event_payload_in_kb', 'a number >= 0'],
    ['allowed_origins = "https://a.example"\nmax_event_batch_size = 2.5', 'app_manager.array.apps[0].max_event_batch_size', 'an integer'],
    ['allowed_origins = [1, 2]', 'app_manager.array.apps[0].allowed_origins', 'a list of strings'],
  ])('app field: %s', (text, key, expected) => {
    const message = failure({ 'bad.toml': APP + text }, ['--config', 'bad.toml']);
    expect(message).toContain('bad.toml');
    expect(message).toContain(`${key}: expected ${expected}`);
  });

  it('requires id, key and secret of every app', () => {
    expect(failure({ 'bad.toml': '[[app_manager.array.apps]]\nid = "a"\nkey = "k"\n' }, ['--config', 'bad.toml'])).toMatch(
      /bad\.toml: app_manager\.array\.apps\[0\]\.secret: required/,
    );
    expect(failure({ 'bad.toml': APP + '[[app_manager.array.apps]]\nkey = "k2"\nsecret = "s"\n' }, ['--config', 'bad.toml'])).toMatch(
      /bad\.toml: app_manager\.array\.apps\[1\]\.id: required/,
    );
  });

  it('refuses duplicate app ids and keys', () => {
    expect(failure({ 'bad.toml': APP + APP.replace('"k"', '"k2"') }, ['--config', 'bad.toml'])).toMatch(/apps\[1\]\.id: duplicate app id "a"/);
    expect(failure({ 'bad.toml': APP + APP.replace('"a"', '"b"') }, ['--config', 'bad.toml'])).toMatch(/apps\[1\]\.key: duplicate app key "k"/);
  });

  it('refuses apps that are not a list, and webhooks without a URL or event types', () => {
    expect(failure({ 'bad.json': '{"app_manager":{"array":{"apps":{"id":"a"}}}}' }, ['--config', 'bad.json'])).toMatch(
      /bad\.json: app_manager\.array\.apps must be a list/,
    );
    const hook = (h: string) => APP + '[[app_manager.array.apps.webhooks]]\n' + h;
    expect(failure({ 'bad.toml': hook('event_types = ["channel_occupied"]') }, ['--config', 'bad.toml'])).toMatch(
      /bad\.toml: app_manager\.array\.apps\[0\]\.webhooks\[0\]\.url: required/,
    );
    expect(failure({ 'bad.toml': hook('url = "https://x.example"') }, ['--config', 'bad.toml'])).toMatch(/webhooks\[0\]\.event_types: required/);
  });

  it('names the environment variable when its value is bad', () => {
    expect(failure({}, [], { PORT: 'eighty' })).toMatch(/environment variable PORT: port: expected a number/);
    expect(failure({}, [], { METRICS_ENABLED: 'perhaps' })).toMatch(/METRICS_ENABLED: metrics\.enabled: expected true or false/);
    expect(failure({}, [], { ACTIVITY_TIMEOUT: '0' })).toMatch(/ACTIVITY_TIMEOUT: activity_timeout: expected a number >= 1/);
    expect(failure({}, [], { SOCKUDO_DEFAULT_APP_MAX_CONNECTIONS: 'many' })).toMatch(/SOCKUDO_DEFAULT_APP_MAX_CONNECTIONS: expected a number/);
    expect(failure({}, [], { SOCKUDO_DEFAULT_APP_ENABLED: 'kinda' })).toMatch(/SOCKUDO_DEFAULT_APP_ENABLED: expected true or false/);
  });

  it('refuses an environment app whose key another app already uses', () => {
    expect(failure({ 'a.toml': APP }, ['--config', 'a.toml'], { SOCKUDO_DEFAULT_APP_ID: 'other', SOCKUDO_DEFAULT_APP_KEY: 'k', SOCKUDO_DEFAULT_APP_SECRET: 's2' })).toMatch(
      /SOCKUDO_DEFAULT_APP_KEY: key "k" is already used by app "a"/,
    );
  });
});
