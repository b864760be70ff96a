// Generates shared/src/grpc/gen/ from proto/*.proto: buf runs ts-proto with the options in proto/buf.gen.yaml, and
// every file gets a header that says so. `npm run proto` writes the committed files; `--out DIR` writes elsewhere
// (shared/test/grpc/gen.test.ts regenerates into a temporary folder and compares).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outFlag = process.argv.indexOf('--out');
const out = outFlag === -1 ? join(root, 'shared/src/grpc/gen') : process.argv[outFlag + 1];

const HEADER = [
  '// Generated from proto/ by `npm run proto` (buf running ts-proto with the options in proto/buf.gen.yaml).',
  '// Do not edit: change the .proto and run `npm run proto`; shared/test/grpc/gen.test.ts fails when this is stale.',
  '',
].join('\n');

const work = mkdtempSync(join(tmpdir(), 'sockudo-proto-'));
try {
  const bin = join(root, 'node_modules/.bin');
  // why: buf finds the ts-proto plugin (protoc-gen-ts_proto) on PATH; npx puts the project's bin folder there.
  const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
  const buf = spawnSync(join(bin, 'buf'), ['generate', '--template', 'buf.gen.yaml', '-o', work], { cwd: join(root, 'proto'), env, encoding: 'utf8' });
  if (buf.error !== undefined || buf.status !== 0) {
    process.stderr.write(`buf generate failed: ${buf.error?.message ?? ''}${buf.stdout ?? ''}${buf.stderr ?? ''}\n`);
    process.exit(1);
  }
  const generated = join(work, 'gen');
  rmSync(out, { recursive: true, force: true });
  for (const name of readdirSync(generated, { recursive: true })) {
    const file = join(generated, String(name));
    if (!file.endsWith('.ts')) continue;
    const target = join(out, String(name));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, HEADER + readFileSync(file, 'utf8'));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
