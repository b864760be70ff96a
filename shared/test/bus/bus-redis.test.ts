import { describe } from 'vitest';
import { asNodeId } from '@sockudo-ts/shared';
import { RedisBus } from '@sockudo-ts/shared/implementations';
import { REDIS, servicesUp, uniquePrefix } from '../../../tests/kit/services.js';
import { describeBusContract } from './bus-contract.js';

const up = await servicesUp('RedisBus contract', REDIS);

describe.skipIf(!up)('RedisBus', () => {
  describeBusContract('RedisBus', async () => {
    const prefix = `${uniquePrefix('bus')}:`;
    const url = `redis://${REDIS.host}:${REDIS.port}`;
    const a = await RedisBus.connect({ url, prefix, nodeId: asNodeId('node-a') });
    const b = await RedisBus.connect({ url, prefix, nodeId: asNodeId('node-b') });
    return { nodes: [a, b], close: async () => void (await Promise.all([a.close(), b.close()])) };
  });
});
