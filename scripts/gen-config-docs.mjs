#!/usr/bin/env node
// Writes the configuration reference (Markdown, generated from shared/src/config/schema.ts) into README.md
// between the "config-reference" markers. `npm run docs:config` builds first and runs this;
// shared/test/config/docs.test.ts fails while the README is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { configReference } from '../shared/dist/index.js';

const START = '<!-- config-reference:start -->\n';
const END = '<!-- config-reference:end -->';
const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const from = readme.indexOf(START);
const to = readme.indexOf(END);
if (from < 0 || to < from) throw new Error('README.md has no config-reference markers');
writeFileSync(path, readme.slice(0, from + START.length) + configReference() + readme.slice(to));
process.stdout.write('README.md configuration reference updated\n');
