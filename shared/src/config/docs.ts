import { APP_DEFAULTS } from '../apps/app.js';
import { APP_FIELD_DOCS, DEFAULT_APP_ENV, FIELDS } from './schema.js';
import type { Field } from './setting.js';

/**
 * configReference renders the configuration reference as Markdown from the schema: the server keys,
 * the per-app fields and the environment variables. The README's tables are this function's output
 * (`npm run docs:config` prints it), so the docs cannot drift from what the loader accepts.
 */
export function configReference(): string {
  const keys = FIELDS.map((f) => row([code(f.path), f.kind, showDefault(f.default, f.unit), (f.env ?? []).map(code).join(', '), describe(f)]));
  const appFields = (Object.keys(APP_FIELD_DOCS) as Array<keyof typeof APP_FIELD_DOCS>).map((name) => {
    const value = (APP_DEFAULTS as Record<string, unknown>)[name];
    const shown = value !== undefined ? showDefault(value as Field['default']) : OPTIONAL_APP_FIELDS.has(name) ? 'server\'s' : 'required';
    return row([code(name), shown, APP_FIELD_DOCS[name]]);
  });
  const envRows = [
    ...FIELDS.flatMap((f) => (f.env ?? []).map((name) => row([code(name), code(f.path)]))),
    ...Object.entries(DEFAULT_APP_ENV).map(([name, field]) => row([code(name), `${code(field)} of the default app`])),
  ];
  return [
    '### Server keys',
    '',
    row(['key', 'type', 'default', 'environment', 'meaning']),
    row(['---', '---', '---', '---', '---']),
    ...keys,
    '',
    '### App fields (`[[app_manager.array.apps]]`)',
    '',
    row(['field', 'default', 'meaning']),
    row(['---', '---', '---']),
    ...appFields,
    '',
    '### Environment variables',
    '',
    row(['variable', 'sets']),
    row(['---', '---']),
    ...envRows,
    '',
  ].join('\n');
}

/** OPTIONAL_APP_FIELDS have no default of their own: unset, the server's keys apply. */
const OPTIONAL_APP_FIELDS = new Set<string>(['recovery']);

function row(cells: string[]): string {
  return `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
}

function code(s: string): string {
  return `\`${s}\``;
}

function showDefault(value: Field['default'], unit?: string): string {
  const text = Array.isArray(value) ? code(JSON.stringify(value)) : typeof value === 'string' ? code(JSON.stringify(value)) : code(String(value));
  return unit ? `${text} ${unit}` : text;
}

function describe(f: Field): string {
  const extra: string[] = [];
  if (f.choices) extra.push(`One of ${f.choices.map(code).join(', ')}.`);
  if (f.unsupported) extra.push(`Not supported: ${Object.keys(f.unsupported).map(code).join(', ')}.`);
  if (f.valueAliases) extra.push(`Also accepted: ${Object.entries(f.valueAliases).map(([from, to]) => `${code(from)} (as ${code(to)})`).join(', ')}.`);
  if (f.aliases) extra.push(`Also read from ${f.aliases.map(code).join(', ')}.`);
  return [f.doc, ...extra].join(' ');
}
