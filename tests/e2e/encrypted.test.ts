import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiClient,
  connected,
  errorOf,
  nextEvent,
  parseData,
  pusherClient,
  rawClient,
  rawSubscribe,
  startServer,
  subscribed,
  type PusherClient,
  type RawClient,
  type TestServer,
} from '../kit/index.js';

describe('end-to-end encrypted channels (private-encrypted-*)', () => {
  let server: TestServer;
  const masterKey = randomBytes(32).toString('base64');
  const clients: PusherClient[] = [];
  const raws: RawClient[] = [];
  const client = (): PusherClient => {
    const c = pusherClient(server, { encryptionMasterKeyBase64: masterKey });
    clients.push(c);
    return c;
  };
  const raw = async (): Promise<{ c: RawClient; id: string }> => {
    const c = await rawClient(server);
    raws.push(c);
    return { c, id: await c.socketId() };
  };
  beforeAll(async () => {
    // Client events are enabled so that their refusal on encrypted channels is due to the channel type.
    server = await startServer({ app: { enable_client_messages: true } });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await server.stop();
  });

  it('delivers an SDK-encrypted event that pusher-js decrypts to the original data', async () => {
    const c = client();
    await connected(c);
    const channel = await subscribed(c, 'private-encrypted-vault');
    const got = nextEvent(channel, 'secret');
    await apiClient(server, server.app, { encryptionMasterKeyBase64: masterKey }).trigger('private-encrypted-vault', 'secret', {
      pin: '0000',
      note: 'ünïcödé',
    });
    expect(await got).toEqual({ pin: '0000', note: 'ünïcödé' });
  });

  it('relays ciphertext: a raw subscriber sees nonce + ciphertext, never the plaintext', async () => {
    const { c, id } = await raw();
    rawSubscribe(server, c, id, 'private-encrypted-vault2');
    await c.event('pusher_internal:subscription_succeeded', 'private-encrypted-vault2');
    await apiClient(server, server.app, { encryptionMasterKeyBase64: masterKey }).trigger('private-encrypted-vault2', 'secret', {
      pin: '4321',
    });
    const event = await c.event('secret', 'private-encrypted-vault2');
    expect(event.data).not.toContain('4321');
    expect(Object.keys(parseData(event)).sort()).toEqual(['ciphertext', 'nonce']);
  });

  it('never changes data on an encrypted channel: the published string arrives byte for byte', async () => {
    const { c, id } = await raw();
    rawSubscribe(server, c, id, 'private-encrypted-exact');
    await c.event('pusher_internal:subscription_succeeded', 'private-encrypted-exact');
    const data = JSON.stringify({ nonce: 'bm9uY2U=', ciphertext: 'Y2lwaGVy+/==' }) + '  ';
    // why: the SDK types body as a string but JSON-encodes whatever it is given.
    await apiClient(server).post({ path: '/events', body: { name: 'opaque', channels: ['private-encrypted-exact'], data } as never });
    const event = await c.event('opaque', 'private-encrypted-exact');
    expect(event.data).toBe(data);
  });

  it('requires a valid signature on encrypted channels', async () => {
    const { c, id } = await raw();
    c.send({ event: 'pusher:subscribe', data: { channel: 'private-encrypted-nope', auth: `${server.app.key}:${'0'.repeat(64)}` } });
    const error = await c.event('pusher:subscription_error', 'private-encrypted-nope');
    expect(parseData(error)).toMatchObject({ type: 'AuthError', status: 401 });
    rawSubscribe(server, c, id, 'private-encrypted-nope');
    await c.event('pusher_internal:subscription_succeeded', 'private-encrypted-nope');
  });

  it('refuses client events on encrypted channels with 4301 and relays nothing', async () => {
    const sender = await raw();
    const receiver = await raw();
    for (const s of [sender, receiver]) {
      rawSubscribe(server, s.c, s.id, 'private-encrypted-chat');
      await s.c.event('pusher_internal:subscription_succeeded', 'private-encrypted-chat');
    }
    sender.c.send({ event: 'client-typing', channel: 'private-encrypted-chat', data: { nonce: 'x', ciphertext: 'y' } });
    const error = await sender.c.event('pusher:error');
    expect(errorOf(error).code).toBe(4301);
    // A client event on a private channel, sent after the refused one, arrives: the refused one never did.
    for (const s of [sender, receiver]) {
      rawSubscribe(server, s.c, s.id, 'private-plain-chat');
      await s.c.event('pusher_internal:subscription_succeeded', 'private-plain-chat');
    }
    sender.c.send({ event: 'client-typing', channel: 'private-plain-chat', data: { on: true } });
    await receiver.c.event('client-typing', 'private-plain-chat');
    expect(receiver.c.frames.some((f) => f.channel === 'private-encrypted-chat' && f.event === 'client-typing')).toBe(false);
  });
});
