import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, asAppId, asChannelName, asNodeId, type RecoveryConfig } from '@sockudo-ts/shared';
import { JetStreamBus, NatsBus } from '@sockudo-ts/shared/implementations';
import { addOrUpdateStream } from '../../src/bus/jetstream-stream.js';
import { ChildService, NATS_SERVER_BINARY, binariesPresent, freePort } from '../../../tests/kit/index.js';

const present = binariesPresent('JetStreamBus storage', NATS_SERVER_BINARY);
const policy = (): RecoveryConfig => ({ enabled: true, buffer_size: 100, max_buffer_bytes: 1 << 20, ttl_seconds: 60, max_total_bytes: 1 << 28, stream_max_bytes: 1 << 30 });

// why: an operator whose JetStream has less storage than recovery.stream_max_bytes (1 GiB by default) must be told
// which setting to change; the refusal used to surface as "stream not found" under "start nats-server with -js".
describe.skipIf(!present)('JetStreamBus on a JetStream with less storage than the stream asks for', () => {
  let dir: string;
  let nats: ChildService;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sockudo-js-small-'));
    const port = await freePort();
    const conf = join(dir, 'nats.conf');
    writeFileSync(conf, `listen: "127.0.0.1:${port}"\njetstream { store_dir: "${join(dir, 'store')}", max_file_store: 10MB, max_memory_store: 1MB }\n`);
    nats = new ChildService('nats-server (10 MB JetStream)', port, NATS_SERVER_BINARY.path, ['-c', conf]);
    await nats.start();
  });

  afterAll(async () => {
    await nats?.kill();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const open = async (streamMaxBytes?: number): Promise<JetStreamBus> => {
    const core = await NatsBus.connect({ servers: [`nats://127.0.0.1:${nats.port}`], prefix: 'small', nodeId: asNodeId('n1') });
    try {
      return await JetStreamBus.open(core, { prefix: 'small', policy, ttlSeconds: 60, streamMaxBytes });
    } catch (err) {
      await core.close();
      throw err;
    }
  };

  it('refuses the default 1 GiB with a configuration error naming recovery.stream_max_bytes', async () => {
    const refused = await open().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toContain('recovery.stream_max_bytes');
    expect((refused as Error).message).toContain(String(1 << 30));
    expect((refused as Error).message).not.toContain('-js');
  });

  it('opens with a stream_max_bytes the server can hold, and stores', async () => {
    const bus = await open(4 * 1024 * 1024);
    try {
      const position = await bus.publish(asAppId('a'), asChannelName('c'), { frame: 'x', sequenced: true });
      expect(position.serial).toBeGreaterThan(0);
    } finally {
      await bus.close();
    }
  });

  it('addOrUpdateStream (also the history streams): updates a stream that exists with another config, refuses bytes the server lacks naming the key', async () => {
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const core = await NatsBus.connect({ servers: [`nats://127.0.0.1:${nats.port}`], prefix: 'small', nodeId: asNodeId('n2') });
    try {
      const jsm = await jetstreamManager(core.connection);
      const config = { name: 'H', subjects: ['h.>'], max_bytes: 1024 * 1024, max_msgs: 10 };
      await addOrUpdateStream(jsm, config, 'history.stream_max_bytes');
      const updated = await addOrUpdateStream(jsm, { ...config, max_msgs: 20 }, 'history.stream_max_bytes');
      expect(updated.config.max_msgs).toBe(20);
      const refused = await addOrUpdateStream(jsm, { ...config, max_bytes: 1 << 30 }, 'history.stream_max_bytes').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(ConfigError);
      expect((refused as Error).message).toMatch(/^history\.stream_max_bytes: /);
      expect((await jsm.streams.info('H')).config.max_bytes).toBe(1024 * 1024);
    } finally {
      await core.close();
    }
  });
});
