import { afterAll, beforeAll, describe } from 'vitest';
import { binariesPresent, startServer, type TestServer } from '../kit/index.js';
import { OPENSSL } from '../../services/push/test/fakes/tls.js';
import { startFakeProviders, type FakeProviders } from '../../services/push/test/fakes/providers.js';
import { FAST_RETRY } from '../../services/push/test/harness.js';
import { pushScenarios } from './push-scenarios.js';

const up = binariesPresent('push e2e', OPENSSL);

describe.skipIf(!up)('push in the embedded server (in-process queue, memory devices)', () => {
  let server: TestServer;
  let fakes: FakeProviders;
  beforeAll(async () => {
    fakes = await startFakeProviders();
    server = await startServer({
      config: {
        push: {
          providers: fakes.config,
          retry: { base_delay_ms: FAST_RETRY.baseDelayMs, max_delay_ms: FAST_RETRY.maxDelayMs, max_elapsed_ms: FAST_RETRY.maxElapsedMs },
        },
      },
    });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await fakes?.close();
  });

  pushScenarios(() => ({ api: server, fakes }));
});
