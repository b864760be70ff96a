import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeCertificates } from '../../../tests/kit/tls.js';
import { GrpcPresenceServer } from '@sockudo-ts/presence';
import { GrpcPresence } from '@sockudo-ts/shared/implementations';
import {
  asAppId,
  asChannelName,
  asNodeId,
  asSocketId,
  asUserId,
  DependencyUnavailable,
  MemoryAppStore,
  MemoryBus,
  MemoryPresenceStore,
  NullWebhookSink,
  LocalNodeRegistry,
  LocalPresence,
  createLogger,
  type Presence,
} from '@sockudo-ts/shared';
import { describeNodeRegistryContract } from '../../../shared/test/presence/node-registry-contract.js';
import { describePresenceContract, PRESENCE_CONTRACT_APP } from '../../../shared/test/presence/presence-contract.js';

const pa = PRESENCE_CONTRACT_APP.id;
const logger = createLogger({ level: 'silent', service: 'test' });

/** served starts a GrpcPresenceServer over LocalPresence and a memory store, and a GrpcPresence client of it. */
async function served(wrap: (local: LocalPresence) => Presence = (local) => local, secure?: { token: string; clientToken?: string }) {
  const bus = new MemoryBus();
  const store = new MemoryPresenceStore();
  const apps = new MemoryAppStore([PRESENCE_CONTRACT_APP]);
  const local = new LocalPresence(store, bus, apps, NullWebhookSink);
  const server = new GrpcPresenceServer(wrap(local), new LocalNodeRegistry(store, local), logger, secure === undefined ? undefined : { apps, token: secure.token });
  const port = await server.listen('127.0.0.1', 0);
  const told: DependencyUnavailable[] = [];
  const token = secure?.clientToken ?? secure?.token;
  const client = new GrpcPresence({ url: `127.0.0.1:${port}`, deadlineMs: 2000, onUnavailable: (err) => told.push(err), ...(token === undefined ? {} : { token }) });
  return {
    client,
    bus,
    told,
    dispose: async () => {
      client.close();
      await server.stop(100);
      await local.close();
    },
  };
}

describePresenceContract('GrpcPresence -> GrpcPresenceServer', async () => {
  const s = await served();
  return { presence: s.client, bus: s.bus, dispose: s.dispose };
});

describePresenceContract('GrpcPresence -> GrpcPresenceServer with a token and argument checks', async () => {
  const s = await served(undefined, { token: 't0ken' });
  return { presence: s.client, bus: s.bus, dispose: s.dispose };
});

describeNodeRegistryContract('GrpcPresence -> GrpcPresenceServer', async () => {
  const s = await served();
  return { nodes: s.client, presence: s.client, bus: s.bus, dispose: s.dispose };
});

describe('GrpcPresenceServer errors', () => {
  it('answers a dependency outage as unavailable (told to onUnavailable) and any other failure as an error', async () => {
    const s = await served((local) =>
      Object.assign(Object.create(local) as LocalPresence, {
        counts: async () => {
          throw new DependencyUnavailable('redis', 'Redis is unreachable');
        },
        members: async () => {
          throw new Error('store answered nonsense');
        },
      }),
    );
    try {
      const down = await s.client.counts(pa, asChannelName('c')).catch((e: unknown) => e);
      expect(down).toBeInstanceOf(DependencyUnavailable);
      expect((down as Error).message).toBe('the presence service is unavailable: Redis is unreachable');
      expect((down as DependencyUnavailable).detail).toMatch(/channelCounts: Redis is unreachable$/);
      const broken = await s.client.members(pa, asChannelName('presence-c')).catch((e: unknown) => e);
      expect(broken).not.toBeInstanceOf(DependencyUnavailable);
      expect((broken as Error).message).toMatch(/listMembers failed: store answered nonsense/);
      expect(s.told).toEqual([down]);
    } finally {
      await s.dispose();
    }
  });
});

describe('GrpcPresenceServer is not an open door', () => {
  it('refuses calls without the shared token, or with another one', async () => {
    for (const clientToken of ['', 'wrong']) {
      const s = await served(undefined, { token: 't0ken', clientToken });
      try {
        const refused = await s.client.counts(pa, asChannelName('c')).catch((e: unknown) => e);
        expect(refused).not.toBeInstanceOf(DependencyUnavailable);
        expect((refused as Error).message).toMatch(/channelCounts failed: presence service: missing or wrong token/);
        const wipe = await s.client.register({ nodeId: asNodeId('victim'), sockets: [] }).catch((e: unknown) => e);
        expect((wipe as Error).message).toMatch(/missing or wrong token/);
      } finally {
        await s.dispose();
      }
    }
  });

  it('checks every argument: unknown apps, bad socket ids, channel names and oversized members are refused', async () => {
    const s = await served(undefined, { token: 't0ken' });
    try {
      const refusal = (p: Promise<unknown>) => p.then(() => 'accepted', (e: unknown) => (e as Error).message);
      expect(await refusal(s.client.channels(asAppId('other-app')))).toMatch(/app: unknown app/);
      expect(await refusal(s.client.connect(pa, asSocketId('not-a-socket'), asNodeId('n1')))).toMatch(/socketId: not a socket id/);
      expect(await refusal(s.client.subscribe(pa, asChannelName('bad channel!'), asSocketId('1.2')))).toMatch(/channel:/);
      expect(await refusal(s.client.subscribe(pa, asChannelName('presence-x'), asSocketId('1.2'), { id: asUserId('u'), info: 'x'.repeat(70_000) }))).toMatch(/too large/);
      expect(await refusal(s.client.register({ nodeId: asNodeId('n1'), sockets: [{ appId: asAppId('other-app'), socketId: asSocketId('1.2'), channels: [] }] }))).toMatch(/unknown app/);
      expect(await s.client.channels(pa)).toEqual(new Map());
    } finally {
      await s.dispose();
    }
  });

  it('serves over TLS only, to clients that trust its CA', async () => {
    const certs = makeCertificates();
    const bus = new MemoryBus();
    const store = new MemoryPresenceStore();
    const apps = new MemoryAppStore([PRESENCE_CONTRACT_APP]);
    const local = new LocalPresence(store, bus, apps, NullWebhookSink);
    const key = createPrivateKey({ key: readFileSync(certs.keyPath), passphrase: certs.passphrase }).export({ type: 'pkcs8', format: 'pem' }) as string;
    const server = new GrpcPresenceServer(local, new LocalNodeRegistry(store, local), logger, { apps, token: 't', tls: { cert: readFileSync(certs.certPath), key: Buffer.from(key) } });
    const port = await server.listen('127.0.0.1', 0);
    const secure = new GrpcPresence({ url: `localhost:${port}`, deadlineMs: 2000, token: 't', tls: { ca: certs.ca } });
    const plain = new GrpcPresence({ url: `localhost:${port}`, deadlineMs: 500, token: 't' });
    try {
      expect(await secure.channels(pa)).toEqual(new Map());
      await expect(plain.channels(pa)).rejects.toBeInstanceOf(DependencyUnavailable);
    } finally {
      secure.close();
      plain.close();
      await server.stop(100);
      await local.close();
      certs.remove();
    }
  });

  it('lists an app\'s channels a page at a time, so GET /channels never outgrows the message cap', async () => {
    const s = await served();
    const small = new GrpcPresence({ url: (s.client as unknown as { options: { url: string } }).options.url, deadlineMs: 2000, channelsPageSize: 7 });
    try {
      for (let i = 0; i < 50; i++) await s.client.subscribe(pa, asChannelName(`page-${String(i).padStart(2, '0')}`), asSocketId(`1.${i}`));
      const channels = await small.channels(pa);
      expect([...channels.keys()].sort()).toEqual(Array.from({ length: 50 }, (_, i) => `page-${String(i).padStart(2, '0')}`));
      expect(channels.get(asChannelName('page-07'))).toEqual({ subscriptionCount: 1, userCount: 0 });
    } finally {
      small.close();
      await s.dispose();
    }
  });
});
