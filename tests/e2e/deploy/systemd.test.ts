import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '@sockudo-ts/shared';
import { ROOT, buildOnce } from '../../kit/process.js';

// Issue 9 §4: the shipped systemd units are valid for systemd and start the right programs.
const DIR = join(ROOT, 'deploy/systemd');
const INSTALL_DIR = '/opt/sockudo-ts/';
const ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
const units = readdirSync(DIR).filter((f) => /\.(service|target)$/.test(f));
const services = units.filter((f) => f.endsWith('.service'));

/** parse reads a unit file into [section, key, value] entries (repeated keys kept in order). */
function parse(file: string): { section: string; key: string; value: string }[] {
  const entries: { section: string; key: string; value: string }[] = [];
  let section = '';
  for (const raw of readFileSync(join(DIR, file), 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`${file}: not a key=value line: ${line}`);
    entries.push({ section, key: line.slice(0, eq), value: line.slice(eq + 1) });
  }
  return entries;
}
const value = (file: string, key: string): string | undefined => parse(file).find((e) => e.section === 'Service' && e.key === key)?.value;

describe('deploy/systemd units', () => {
  beforeAll(() => buildOnce(), 180_000);

  it('ships the embedded server and one templated unit per service', () => {
    expect(services.sort()).toEqual(['sockudo-api@.service', 'sockudo-gateway@.service', 'sockudo-history@.service', 'sockudo-presence@.service', 'sockudo-push@.service', 'sockudo-webhook@.service', 'sockudo.service']);
  });

  it('migrates the database before every start of the services that keep data in PostgreSQL, and only those', () => {
    for (const file of services) {
      const pre = parse(file).filter((e) => e.section === 'Service' && e.key === 'ExecStartPre').map((e) => e.value);
      const migrates = file.startsWith('sockudo-history@') || file.startsWith('sockudo-push@');
      expect([file, pre]).toEqual([file, migrates ? [`/usr/bin/node ${INSTALL_DIR}shared/dist/db/migrate-cli.js`] : []]);
    }
    // the migration program of the built project, which reads DATABASE_URL as the service does
    expect(existsSync(join(ROOT, 'shared/dist/db/migrate-cli.js'))).toBe(true);
  });

  describe.skipIf(ANALYZE === undefined)('systemd-analyze verify', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'sockudo-systemd-'));
      for (const f of units) copyFileSync(join(DIR, f), join(dir, f));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each(units)('accepts %s without a warning', (file) => {
      // why: a template is verified through an instance of it.
      const unit = file.replace('@.service', '@1.service');
      const result = spawnSync(ANALYZE!, ['verify', `./${unit}`], { cwd: dir, encoding: 'utf8' });
      expect(`${result.stdout}${result.stderr}`).toBe('');
      expect(result.status).toBe(0);
    });
  });

  it.each(services)('%s runs an existing program of the built project, drains on SIGTERM, restarts, is hardened', (file) => {
    const exec = value(file, 'ExecStart')!;
    const [program, script, ...args] = exec.split(/\s+/);
    expect(program).toBe('/usr/bin/node');
    expect(script!.startsWith(INSTALL_DIR)).toBe(true);
    const service = file.replace(/^sockudo-?/, '').replace(/@?\.service$/, '') || 'standalone';
    expect(script).toBe(`${INSTALL_DIR}services/${service}/dist/main.js`);
    expect(existsSync(join(ROOT, script!.slice(INSTALL_DIR.length)))).toBe(true);
    expect(args).toEqual(['--config', '/etc/sockudo/config.toml']);

    expect(value(file, 'User')).toBe('sockudo');
    expect(value(file, 'KillSignal')).toBe('SIGTERM');
    expect(value(file, 'Restart')).toBe('always');
    const grace = buildConfig([], {}).shutdown_grace_period;
    expect(Number(value(file, 'TimeoutStopSec'))).toBeGreaterThan(grace);
    expect(Number(value(file, 'LimitNOFILE'))).toBeGreaterThanOrEqual(65536);
    for (const [key, expected] of Object.entries({ NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', PrivateDevices: 'yes', CapabilityBoundingSet: '' })) {
      expect([file, key, value(file, key)]).toEqual([file, key, expected]);
    }
    // V8 needs writable+executable memory for its JIT
    expect(value(file, 'MemoryDenyWriteExecute')).toBeUndefined();
    if (file.includes('@')) {
      expect(parse(file).filter((e) => e.key === 'EnvironmentFile').map((e) => e.value)).toEqual(['-/etc/sockudo/sockudo.env', `-/etc/sockudo/${service}-%i.env`]);
      expect(value(file, 'Environment')).toBeDefined();
      expect(parse(file).some((e) => e.key === 'Environment' && e.value === 'ADAPTER_DRIVER=nats')).toBe(true);
    }
  });
});
