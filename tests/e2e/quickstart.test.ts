import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, connected, nextEvent, pusherClient, startServer, subscribed, type PusherClient, type TestServer } from '../kit/index.js';

describe('quick start: a pusher-js client receives an event triggered with the pusher SDK', () => {
  let server: TestServer;
  const clients: PusherClient[] = [];
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server.stop();
  });

  it('delivers a public event with its exact payload', async () => {
    const client = pusherClient(server);
    clients.push(client);
    const socketId = await connected(client);
    expect(socketId).toMatch(/^\d+\.\d+$/);
    const channel = await subscribed(client, 'orders');
    const received = nextEvent(channel, 'order-placed');
    await apiClient(server).trigger('orders', 'order-placed', { id: 42, total: '9.99' });
    expect(await received).toEqual({ id: 42, total: '9.99' });
  });
});
