import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// why: tests run against the TypeScript sources of every workspace package, so no build is needed for
// in-process tests; tests that spawn processes use the built dist/ (npm test builds first).
export default defineConfig({
  resolve: {
    // why: exact matches, so that `@sockudo-ts/shared/implementations` is not read as a path below index.ts.
    alias: [
      { find: /^@sockudo-ts\/shared$/, replacement: src('./shared/src/index.ts') },
      { find: /^@sockudo-ts\/shared\/implementations$/, replacement: src('./shared/src/implementations.ts') },
      { find: /^@sockudo-ts\/gateway$/, replacement: src('./services/gateway/src/index.ts') },
      { find: /^@sockudo-ts\/api$/, replacement: src('./services/api/src/index.ts') },
      { find: /^@sockudo-ts\/webhook$/, replacement: src('./services/webhook/src/index.ts') },
      { find: /^@sockudo-ts\/presence$/, replacement: src('./services/presence/src/index.ts') },
      { find: /^@sockudo-ts\/standalone$/, replacement: src('./services/standalone/src/index.ts') },
    ],
  },
  test: {
    include: ['tests/architecture/**/*.test.ts', 'shared/test/**/*.test.ts', 'tests/load/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'tests/e2e/**/*.test.ts', 'tests/cluster/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
