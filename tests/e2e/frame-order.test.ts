import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { framesUntilPong, rawClient, sendSubscribePairs, startServer, waitFor, type RawClient, type TestServer } from '../kit/index.js';

// Every frame of one socket is handled in arrival order and every pusher:subscribe gets its answer: a ping
// sent after N subscribes is answered after the N subscription_succeeded frames, never before them.

describe('frame order: one socket, strictly in order', () => {
  let server: TestServer;
  const raws: RawClient[] = [];
  beforeAll(async () => {
    // why: this suite sends thousands of frames in one burst to test ordering, not the frame rate limit.
    server = await startServer({ config: { websocket: { max_frames_per_second: 0 } } });
  });
  afterAll(async () => {
    for (const c of raws) c.close();
    await server?.stop();
  });
  const open = async (): Promise<RawClient> => {
    const c = await rawClient(server);
    raws.push(c);
    await c.socketId();
    return c;
  };

  it('answers 1,000 back-to-back subscribe/unsubscribe pairs on distinct channels, all before the pong of a later ping', async () => {
    // why: several rounds; the frames arrive in differently cut TCP reads each time.
    for (let round = 0; round < 5; round++) {
      const c = await open();
      const names = sendSubscribePairs(c, `pairs-${round}-`, 1000);
      const answers = await framesUntilPong(c, 15_000);
      expect(answers.map((f) => f.event)).toEqual(names.map(() => 'pusher_internal:subscription_succeeded'));
      expect(answers.map((f) => f.channel)).toEqual(names);
      c.close();
    }
  }, 60_000);

  it('answers malformed frames, refused subscribes and pings in arrival order', async () => {
    const c = await open();
    const from = c.frames.length;
    c.send({ event: 'pusher:subscribe', data: { channel: 'order-a' } });
    c.send('not json');
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    c.send({ event: 'pusher:ping', data: {} });
    c.send({ event: 'pusher:subscribe', data: { channel: 'private-order-b', auth: 'bad' } });
    c.send({ event: 'pusher:subscribe', data: { channel: 'order-a' } });
    await waitFor(() => c.frames.length - from >= 6, 5000, 'six answers');
    expect(c.frames.slice(from).map((f) => `${f.event} ${f.channel ?? ''}`.trim())).toEqual([
      'pusher_internal:subscription_succeeded order-a',
      'pusher:error',
      'pusher:error',
      'pusher:pong',
      'pusher:subscription_error private-order-b',
      'pusher_internal:subscription_succeeded order-a',
    ]);
    expect(await framesUntilPong(c)).toEqual([]);
  });
});
