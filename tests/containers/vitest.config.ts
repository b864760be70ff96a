import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

// The container suite (`npm run test:containers`): builds the image and runs docker-compose.yml with podman.
// Not part of `npm test` (the root config does not include tests/containers).
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['tests/containers/**/*.test.ts'],
    // why: building the image and starting nine containers takes minutes on a loaded 2-core machine.
    testTimeout: 300_000,
    hookTimeout: 1_200_000,
    // one stack at a time
    fileParallelism: false,
  },
});
