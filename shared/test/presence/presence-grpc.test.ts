import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { asAppId, asChannelName, asNodeId, asSocketId, DependencyUnavailable } from '@sockudo-ts/shared';
import { GrpcPresence } from '@sockudo-ts/shared/implementations';
import { freePort } from '../../../tests/kit/processes.js';

describe('GrpcPresence', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
  });

  it('fails fast with DependencyUnavailable when nothing listens, without waiting for the deadline', async () => {
    const told: DependencyUnavailable[] = [];
    // why: a deadline far past the test's own timeout: a call that waited for the service instead of failing
    // on the refused connection would hang the test, so no clock is needed to tell "fast" from "at the deadline".
    const client = new GrpcPresence({ url: `127.0.0.1:${await freePort()}`, deadlineMs: 10 * 60_000, onUnavailable: (err) => told.push(err) });
    const err = await client.counts(asAppId('a'), asChannelName('c')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyUnavailable);
    expect((err as DependencyUnavailable).detail).toMatch(/ECONNREFUSED/);
    expect(told).toEqual([err]);
    client.close();
  });

  it('gives up at the deadline when the service accepts but never answers', async () => {
    const silent = createServer(() => undefined);
    servers.push(silent);
    const port = await new Promise<number>((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)));
    const client = new GrpcPresence({ url: `127.0.0.1:${port}`, deadlineMs: 300 });
    // the service never answers, so only the deadline can end the call (the test's timeout is the hang guard)
    const err = await client.connect(asAppId('a'), asSocketId('1.1'), asNodeId('n')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyUnavailable);
    expect((err as Error).message).toBe('the presence service is unavailable');
    expect((err as DependencyUnavailable).detail).toMatch(/^127\.0\.0\.1:\d+ connect: Deadline exceeded/);
    client.close();
  });
});
