import { describe, expect, it } from 'vitest';
import { buildConfig } from '@sockudo-ts/shared';
import { workerOptionsFromConfig } from '../src/settings.js';

describe('workerOptionsFromConfig', () => {
  const options = (webhooks: Record<string, unknown>) => workerOptionsFromConfig(buildConfig([{ name: 'test', values: { webhooks } }], {}));

  it('keeps the configured circuit cooldown when retries wait longer', () => {
    expect(options({}).circuit).toEqual({ threshold: 5, cooldownMs: 30_000 });
  });

  it('never lets an open circuit wait longer than the largest retry delay (a replayed dead letter gets its trial)', () => {
    expect(options({ retry: { max_delay_ms: 200 }, circuit_breaker: { cooldown_ms: 30_000 } }).circuit?.cooldownMs).toBe(200);
  });
});
