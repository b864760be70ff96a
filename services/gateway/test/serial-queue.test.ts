import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../src/serial-queue.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('SerialQueue', () => {
  it('runs synchronous and asynchronous tasks strictly in push order, one at a time', async () => {
    const log: string[] = [];
    const q = new SerialQueue(null, () => undefined);
    let running = 0;
    const task = (name: string, ms: number) => async () => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${name}`);
      running--;
    };
    q.push(task('a', 20));
    q.push(() => void log.push('sync b'));
    q.push(task('c', 0));
    q.push(() => void log.push('sync d'));
    expect(q.length).toBe(4);
    await q.idle();
    expect(log).toEqual(['start a', 'end a', 'sync b', 'start c', 'end c', 'sync d']);
    expect(q.length).toBe(0);
  });

  it('runs a task pushed to an idle queue at once, in the caller\'s stack', () => {
    const q = new SerialQueue(null, () => undefined);
    let ran = false;
    q.push(() => {
      ran = true;
    });
    expect(ran).toBe(true);
    expect(q.length).toBe(0);
  });

  it('reports thrown and rejected failures and goes on with the next task', async () => {
    const errors: unknown[] = [];
    const log: string[] = [];
    const q = new SerialQueue(null, (_owner, err) => errors.push((err as Error).message));
    q.push(async () => {
      await tick();
      throw new Error('rejected');
    });
    q.push(() => {
      throw new Error('thrown');
    });
    q.push(() => void log.push('after'));
    await q.idle();
    expect(errors).toEqual(['rejected', 'thrown']);
    expect(log).toEqual(['after']);
  });

  it('calls onIdle each time it runs dry and resolves every idle waiter', async () => {
    let idles = 0;
    const q = new SerialQueue('owner', () => undefined, (owner) => void (idles += owner === 'owner' ? 1 : 0));
    q.push(() => undefined);
    expect(idles).toBe(1);
    q.push(tick);
    q.push(tick);
    const waiters = [q.idle(), q.idle()];
    expect(idles).toBe(1);
    await Promise.all(waiters);
    expect(idles).toBe(2);
    await q.idle();
  });

  it('keeps order across a long backlog', async () => {
    const seen: number[] = [];
    const q = new SerialQueue(null, () => undefined);
    for (let i = 0; i < 5000; i++) q.push(i % 3 === 0 ? async () => void seen.push(i) : () => void seen.push(i));
    await q.idle();
    expect(seen).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('clear drops the tasks not started, lets the running one finish and runs later ones', async () => {
    const seen: number[] = [];
    let release!: () => void;
    const q = new SerialQueue(null, () => undefined);
    q.push(() => new Promise<void>((r) => (release = r)).then(() => void seen.push(0)));
    for (let i = 1; i <= 100; i++) q.push(() => void seen.push(i));
    expect(q.length).toBe(101);
    q.clear();
    expect(q.length).toBe(1);
    q.push(() => void seen.push(-1));
    release();
    await q.idle();
    expect(seen).toEqual([0, -1]);
    expect(q.length).toBe(0);
  });
});
