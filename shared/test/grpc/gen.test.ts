import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const committed = join(root, 'shared/src/grpc/gen');

/** generatorRuns is true when buf (an npm binary) answers; else one SKIPPED line, and a failure with CI=true. */
function generatorRuns(): boolean {
  const buf = spawnSync(join(root, 'node_modules/.bin/buf'), ['--version'], { encoding: 'utf8' });
  if (buf.status === 0) return true;
  const why = `buf does not run (${buf.error?.message ?? buf.stderr.trim()}); run npm ci`;
  if (process.env.CI === 'true') throw new Error(`gRPC code generation: ${why} (with CI=true this is a failure)`);
  process.stderr.write(`SKIPPED: the check that shared/src/grpc/gen matches proto/: ${why}\n`);
  return false;
}

describe.skipIf(!generatorRuns())('generated gRPC code', () => {
  it('is what `npm run proto` makes from proto/ today', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'sockudo-gen-'));
    try {
      const run = spawnSync(process.execPath, [join(root, 'scripts/gen-proto.mjs'), '--out', fresh], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const files = readdirSync(fresh).sort();
      expect(readdirSync(committed).sort()).toEqual(files);
      for (const file of files) {
        const same = readFileSync(join(fresh, file), 'utf8') === readFileSync(join(committed, file), 'utf8');
        expect(same, `shared/src/grpc/gen/${file} is stale: run npm run proto`).toBe(true);
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('generated gRPC client', () => {
  it('has no RPC whose method would shadow one of grpc-js Client own methods (as GetChannel would getChannel)', async () => {
    const { Client } = await import('@grpc/grpc-js');
    const { PresenceServiceService } = await import('@sockudo-ts/shared/implementations');
    const own = new Set(Object.getOwnPropertyNames(Client.prototype));
    expect(Object.keys(PresenceServiceService).filter((rpc) => own.has(rpc))).toEqual([]);
    expect(own.has('getChannel')).toBe(true);
  });
});
