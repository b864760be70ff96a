/** FieldKind is the type of one config value as written in a file or an environment variable. */
export type FieldKind = 'string' | 'int' | 'number' | 'bool' | 'string[]';

/** SettingOptions are a setting's environment variables, limits, unit and one-line doc. */
export interface SettingOptions {
  /** env lists environment variables that set this key, highest priority first. */
  env?: readonly string[];
  /** choices restricts a string to these values. */
  choices?: readonly string[];
  /** min is the smallest accepted number. */
  min?: number;
  /** max is the largest accepted number. */
  max?: number;
  /** unit is shown next to the default in the docs (`s`, `ms`, `bytes`, ...). */
  unit?: string;
  /** doc is the one-line meaning shown in the README and the Helm values. */
  doc: string;
  /** aliases are other dotted file keys that set this key (Sockudo's names); the key's own name wins. */
  aliases?: readonly string[];
  /** valueAliases map other accepted values of a choice to one of its choices (Sockudo's `none` -> `memory`). */
  valueAliases?: Readonly<Record<string, string>>;
  /**
   * unsupported names values of a choice that Sockudo accepts and sockudo-ts does not, each with what to use
   * instead: start-up stops with "not supported" and that advice, rather than a bare list of the choices.
   */
  unsupported?: Readonly<Record<string, string>>;
}

/**
 * Setting is one leaf of the config schema: its kind, default and options. `T` is the type the parsed
 * config holds for it, so that the config type is derived from the schema and cannot drift from it.
 */
export class Setting<T> {
  constructor(
    readonly kind: FieldKind,
    readonly defaultValue: T,
    readonly options: SettingOptions,
  ) {}
}

/** setting builds schema leaves; each builder fixes the kind and the parsed type. */
export const setting = {
  /** string is a free string; `T` narrows it (a branded id). */
  string: <T extends string = string>(defaultValue: string, options: SettingOptions): Setting<T> =>
    new Setting<T>('string', defaultValue as T, options),
  /** choice is one of a fixed list of strings; the parsed type is their union. */
  choice: <C extends string>(choices: readonly C[], defaultValue: NoInfer<C>, options: Omit<SettingOptions, 'choices'>): Setting<C> =>
    new Setting<C>('string', defaultValue, { ...options, choices }),
  /** int is a whole number. */
  int: (defaultValue: number, options: SettingOptions): Setting<number> => new Setting<number>('int', defaultValue, options),
  /** number is any finite number. */
  number: (defaultValue: number, options: SettingOptions): Setting<number> => new Setting<number>('number', defaultValue, options),
  /** bool is true or false (`true|1|yes|on` / `false|0|no|off` in the environment). */
  bool: (defaultValue: boolean, options: SettingOptions): Setting<boolean> => new Setting<boolean>('bool', defaultValue, options),
  /** list is a list of strings (comma-separated in the environment). */
  list: (defaultValue: string[], options: SettingOptions): Setting<string[]> => new Setting<string[]>('string[]', defaultValue, options),
};

/** Section is a subtree of the schema: settings and nested sections by key. */
export interface Section {
  readonly [key: string]: Setting<unknown> | Section;
}

/** ConfigOf is the parsed config type of a schema subtree: each Setting<T> becomes T. */
export type ConfigOf<S> = { -readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : ConfigOf<S[K]> };

/** Field is one setting with its dotted path, as listed for the loader and the docs. */
export interface Field extends SettingOptions {
  /** path is the dotted key in TOML/JSON files, e.g. `metrics.port`. */
  path: string;
  kind: FieldKind;
  default: string | number | boolean | string[];
}

/** fieldsOf flattens a schema subtree into its fields, in declaration order. */
export function fieldsOf(section: Section, prefix = ''): Field[] {
  const out: Field[] = [];
  for (const [key, node] of Object.entries(section)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (node instanceof Setting) out.push({ path, kind: node.kind, default: node.defaultValue as Field['default'], ...node.options });
    else out.push(...fieldsOf(node, path));
  }
  return out;
}
