import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, FIELDS, buildConfig } from '@sockudo-ts/shared';
import { FUZZ } from '../fuzz.js';

/** tree builds the nested object a file would hold for one dotted key. */
function tree(path: string, value: unknown): Record<string, unknown> {
  return path.split('.').reduceRight<Record<string, unknown>>((inner, part) => ({ [part]: inner }), value as Record<string, unknown>);
}

describe('the config loader under random input', () => {
  it('either loads a value or stops with a ConfigError naming the key, for any value in any key', () => {
    const field = fc.constantFrom(...FIELDS);
    fc.assert(
      fc.property(field, fc.jsonValue(), fc.boolean(), (f, value, fromEnv) => {
        const env = fromEnv && f.env?.[0] !== undefined ? { [f.env[0]]: typeof value === 'string' ? value : JSON.stringify(value) } : {};
        const sources = fromEnv ? [] : [{ name: 'fuzz.json', values: tree(f.path, value) }];
        try {
          buildConfig(sources, env);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          expect((err as Error).message).toContain(f.path.split('.').at(-1));
        }
      }),
      FUZZ,
    );
  });

  it('never stops on random app lists with anything but a ConfigError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (apps) => {
        try {
          buildConfig([{ name: 'fuzz.json', values: { app_manager: { array: { apps } } } }], {});
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
        }
      }),
      FUZZ,
    );
  });
});
