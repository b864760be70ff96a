import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The house rules of ARCHITECTURE.md and STYLE.md #6 that a compiler does not check: no import cycles inside a
// package, no deep imports across packages, and no service importing another service (only the embedded
// composition, services/standalone, composes services through their public index).

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const packages = ['shared', ...readdirSync(join(root, 'services')).map((s) => `services/${s}`)];
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

/** declaredSubpaths are the `@sockudo-ts/<pkg>/<sub>` entry points that a package's exports map declares. */
const declaredSubpaths = new Set(
  packages.flatMap((pkg) => {
    const manifest = JSON.parse(readFileSync(join(root, pkg, 'package.json'), 'utf8')) as { name: string; exports?: Record<string, unknown> };
    return Object.keys(manifest.exports ?? {})
      .filter((key) => key.startsWith('./'))
      .map((key) => `${manifest.name}/${key.slice(2)}`);
  }),
);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** importsOf lists a file's module specifiers; `import type` only when `withTypes` is set. */
function importsOf(file: string, withTypes = false): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)]
    .filter((m) => withTypes || !/^\s*(?:import|export)\s+type\s/.test(m[0]))
    .map((m) => (m[1] ?? m[2])!);
}

describe('architecture: imports', () => {
  it('keeps every package free of import cycles, type-only imports included', () => {
    const cycles: string[] = [];
    for (const pkg of packages) {
      // why: code generators (the Prisma client in src/db/generated, git-ignored) are not held to our layering.
      const files = sourceFiles(join(root, pkg, 'src')).filter((f) => !f.includes(join('src', 'db', 'generated')));
      const graph = new Map<string, string[]>();
      for (const file of files) {
        // why: a type-only cycle is still two modules that cannot be understood (or moved) one without the other.
        const local = importsOf(file, true)
          .filter((s) => s.startsWith('.'))
          .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
        graph.set(file, local);
      }
      const state = new Map<string, 'visiting' | 'done'>();
      const visit = (file: string, path: string[]): void => {
        if (state.get(file) === 'done') return;
        if (state.get(file) === 'visiting') {
          cycles.push(path.slice(path.indexOf(file)).concat(file).map((f) => relative(root, f)).join(' -> '));
          return;
        }
        state.set(file, 'visiting');
        for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
        state.set(file, 'done');
      };
      for (const file of files) visit(file, []);
    }
    expect(cycles).toEqual([]);
  });

  it('never imports another package by a deep path, and services never import other services', () => {
    const problems: string[] = [];
    for (const pkg of packages) {
      for (const file of sourceFiles(join(root, pkg, 'src'))) {
        for (const spec of importsOf(file, true)) {
          const where = `${relative(root, file)} imports ${spec}`;
          if (spec.startsWith('.') && !resolve(dirname(file), spec).startsWith(join(root, pkg, 'src'))) problems.push(`${where} (outside its package)`);
          if (/^@sockudo-ts\/[^/]+\/./.test(spec) && !declaredSubpaths.has(spec)) problems.push(`${where} (deep import: not in the package's exports map)`);
          const other = /^@sockudo-ts\/([^/]+)$/.exec(spec)?.[1];
          if (other && other !== 'shared' && pkg !== 'services/standalone') problems.push(`${where} (a service importing a service)`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
