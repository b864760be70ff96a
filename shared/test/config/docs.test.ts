import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { APP_DEFAULTS, APP_FIELD_DOCS, FIELDS, configReference, loadConfig } from '@sockudo-ts/shared';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('the configuration reference', () => {
  it('in README.md is the current output of npm run docs:config', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const start = readme.indexOf('<!-- config-reference:start -->\n');
    const end = readme.indexOf('<!-- config-reference:end -->');
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start + '<!-- config-reference:start -->\n'.length, end)).toBe(configReference());
  });

  it('documents every server key and every app field', () => {
    const text = configReference();
    for (const field of FIELDS) {
      expect(field.doc.length).toBeGreaterThan(10);
      expect(text).toContain(`| \`${field.path}\` |`);
      for (const name of field.env ?? []) expect(text).toContain(`| \`${name}\` |`);
    }
    for (const name of Object.keys(APP_DEFAULTS)) expect(Object.keys(APP_FIELD_DOCS)).toContain(name);
    for (const name of Object.keys(APP_FIELD_DOCS)) expect(text).toContain(`| \`${name}\` |`);
  });

  it('config/config.example.toml loads as documented', () => {
    const config = loadConfig({ argv: ['--config', 'config/config.example.toml'], env: {}, cwd: root });
    expect(config.port).toBe(6001);
    expect(config.app_manager.array.apps).toHaveLength(1);
    expect(config.app_manager.array.apps[0]).toMatchObject({ id: 'app-id', key: 'app-key', secret: 'app-secret', enable_client_messages: true });
  });
});
