#!/usr/bin/env node
// Prints the configuration reference (Markdown) generated from shared/src/config/schema.ts.
// Run `npm run docs:config` (builds first) and paste the output into README.md between the
// "config-reference" markers; shared/test/config/docs.test.ts fails while the README is out of date.
import { configReference } from '../shared/dist/index.js';

process.stdout.write(configReference());
