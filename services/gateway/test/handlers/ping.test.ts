import { describe, expect, it } from 'vitest';
import { handlePing } from '../../src/handlers/ping.js';
import { fakes } from '../fakes.js';

describe('handlePing', () => {
  it('answers pusher:pong with data {}', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    handlePing(f.ctx, conn);
    handlePing(f.ctx, conn);
    expect(f.sent(ws)).toEqual([
      { event: 'pusher:pong', data: {} },
      { event: 'pusher:pong', data: {} },
    ]);
  });
});
