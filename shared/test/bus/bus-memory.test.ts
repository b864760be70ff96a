import { MemoryBus } from '@sockudo-ts/shared';
import { describeBusContract } from './bus-contract.js';

describeBusContract('MemoryBus', async () => {
  const bus = new MemoryBus();
  return { nodes: [bus, bus], close: () => bus.close() };
});
