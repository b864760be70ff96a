import type { Bus } from '../bus/bus.js';
import { MemoryBus } from '../bus/bus-memory.js';
import type { DriverSettings, ServerSettings } from '../config/config.js';
import type { RecoveryPolicy } from '../recovery/recovery-log.js';
import type { Logger } from '../telemetry/logger.js';
import type { Opened } from './opened.js';

/** BusDriverOptions tune the bus a process opens. */
export interface BusDriverOptions {
  logger: Logger;
  /**
   * recovery, when given, sequences the events of apps with recovery on through a JetStream stream (NATS
   * only; see JetStreamBus). The embedded server sequences in process instead.
   */
  recovery?: BusRecoveryOptions;
}

/** BusRecoveryOptions are what a sequencing bus needs: which apps, how much to keep, and a gap counter. */
export interface BusRecoveryOptions {
  policy: RecoveryPolicy;
  bufferSize: number;
  ttlSeconds: number;
  onGapsFilled?: (count: number) => void;
}

/**
 * openBus opens the fan-out bus `adapter.driver` names: `local` is the in-process MemoryBus, `nats` a NatsBus
 * (loaded only then) with a readiness probe. Pass `driver` to force one: the embedded server is always
 * `local`. Fails with DependencyUnavailable when NATS does not answer.
 */
export async function openBus(
  config: Pick<DriverSettings, 'adapter'> & Pick<ServerSettings, 'instance'>,
  options: BusDriverOptions,
  driver: DriverSettings['adapter']['driver'] = config.adapter.driver,
): Promise<Opened<Bus>> {
  const { adapter } = config;
  if (driver === 'local') {
    const bus = new MemoryBus();
    return { port: bus, close: () => bus.close() };
  }
  const { NatsBus } = await import('../bus/bus-nats.js');
  const bus = await NatsBus.connect({
    servers: adapter.nats.servers,
    prefix: adapter.nats.prefix,
    nodeId: config.instance.process_id,
    logger: options.logger,
  });
  const recovery = options.recovery;
  if (recovery === undefined) return { port: bus, probe: { name: 'nats', ready: () => bus.isConnected() }, close: () => bus.close() };
  const { JetStreamBus } = await import('../bus/bus-jetstream.js');
  let sequenced;
  try {
    sequenced = await JetStreamBus.open(bus, { prefix: adapter.nats.prefix, logger: options.logger, ...recovery });
  } catch (err) {
    await bus.close();
    throw err;
  }
  return { port: sequenced, probe: { name: 'nats', ready: () => sequenced.isConnected() }, close: () => sequenced.close() };
}
