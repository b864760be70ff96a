import type { ServerResponse } from 'node:http';
import { atTurnEnd } from '../service/turn-end.js';

/** HeaderList is a response's headers as a flat name, value, name, value... list (written as it is). */
export type HeaderList = Array<string | number>;

/**
 * ResponseBatch writes the responses finished during one event-loop turn together, when that turn's I/O
 * callbacks have run (`atTurnEnd('answers')`: before the turn's WebSocket frames), each with one `writeHead` +
 * `end` as before, in the order they were finished. A response waits at most for the rest of the turn it was
 * finished in; the bytes on the wire do not change.
 *
 * why: a response written the moment it is ready wakes its client, and a client that waits on another CPU is
 * woken by an interrupt that the writing process pays for in the kernel and again in its caches. Measured with
 * 16 keep-alive connections of signed triggers on a 2-core VM (`npm run bench`, http scenario): written one by
 * one, 0.82 interrupts and 1.87 context switches per request across the machine, and 53 us of server CPU per
 * request; written per turn, 0.11 and 0.23, and 30 us. Under light load a turn holds one response and nothing
 * waits.
 */
export class ResponseBatch {
  /**
   * pending holds response, status, headers, body for each response finished this turn. why: one flat list
   * and one atTurnEnd task per turn; a closure per response through atTurnEnd measured 2-3% more server CPU per
   * signed trigger (`npm run bench -- --scenarios http`, two runs: 31.1 against 30.2, 30.0 against 29.3 ms per 1,000).
   */
  private pending: unknown[] = [];

  /** onError hears of a response that could not be written (its socket is then destroyed). */
  constructor(private readonly onError: (err: unknown) => void) {}

  /** end answers `res` with `status`, `headers` and `body` at the end of this turn. */
  end(res: ServerResponse, status: number, headers: HeaderList, body: string): void {
    if (this.pending.length === 0) atTurnEnd('answers', this.flush);
    this.pending.push(res, status, headers, body);
  }

  private readonly flush = (): void => {
    const pending = this.pending;
    this.pending = [];
    for (let i = 0; i < pending.length; i += 4) {
      const res = pending[i] as ServerResponse;
      try {
        res.writeHead(pending[i + 1] as number, pending[i + 2] as HeaderList);
        res.end(pending[i + 3] as string);
      } catch (err) {
        // why: one response that cannot be written (headers already sent by someone else) must not stop the rest.
        this.onError(err);
        res.destroy();
      }
    }
  };
}
