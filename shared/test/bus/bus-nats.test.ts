import { describe } from 'vitest';
import { asNodeId } from '@sockudo-ts/shared';
import { NatsBus } from '@sockudo-ts/shared/implementations';
import { NATS, servicesUp, uniquePrefix } from '../../../tests/kit/services.js';
import { describeBusContract } from './bus-contract.js';

const up = await servicesUp('NatsBus contract', NATS);

describe.skipIf(!up)('NatsBus', () => {
  describeBusContract('NatsBus', async () => {
    const prefix = uniquePrefix('bus');
    const servers = [`nats://${NATS.host}:${NATS.port}`];
    const a = await NatsBus.connect({ servers, prefix, nodeId: asNodeId('node-a') });
    const b = await NatsBus.connect({ servers, prefix, nodeId: asNodeId('node-b') });
    return { nodes: [a, b], close: async () => void (await Promise.all([a.close(), b.close()])) };
  });
});
