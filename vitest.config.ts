import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// why: tests run against the TypeScript sources of every workspace package, so no build is needed for
// in-process tests; tests that spawn processes use the built dist/ (npm test builds first).
export default defineConfig({
  resolve: {
    alias: {
      '@sockudo-ts/shared': src('./shared/src/index.ts'),
      '@sockudo-ts/gateway': src('./services/gateway/src/index.ts'),
      '@sockudo-ts/api': src('./services/api/src/index.ts'),
      '@sockudo-ts/webhook': src('./services/webhook/src/index.ts'),
      '@sockudo-ts/presence': src('./services/presence/src/index.ts'),
      '@sockudo-ts/push': src('./services/push/src/index.ts'),
      '@sockudo-ts/standalone': src('./services/standalone/src/index.ts'),
    },
  },
  test: {
    include: ['tests/architecture/**/*.test.ts', 'shared/test/**/*.test.ts', 'tests/load/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'tests/e2e/**/*.test.ts', 'tests/cluster/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
