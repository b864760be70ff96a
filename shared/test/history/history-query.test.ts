import { describe, expect, it } from 'vitest';
import { HistoryQueryError, historyQueryOf } from '@sockudo-ts/shared';

describe('historyQueryOf', () => {
  it('reads the HTTP API strings and the socket JSON values into one query', () => {
    const http = new Map([['limit', '50'], ['direction', 'oldest_first'], ['start_serial', '1025'], ['end_time_ms', '1700000000000'], ['cursor', ''], ['stream_id', 'abc']]);
    const fromHttp = historyQueryOf((name) => http.get(name));
    expect(fromHttp).toEqual({ limit: 50, direction: 'oldest_first', start_serial: 1025, end_time_ms: 1_700_000_000_000, stream_id: 'abc' });
    const json: Record<string, unknown> = { limit: 50, direction: 'oldest_first', start_serial: 1025, end_time_ms: 1_700_000_000_000, stream_id: 'abc', channel: 'ignored' };
    expect(historyQueryOf((name) => json[name])).toEqual(fromHttp);
    expect(historyQueryOf(() => undefined)).toEqual({});
  });

  it('refuses, naming the field, what the store would refuse and what is not a number where one is due', () => {
    const refusal = (fields: Record<string, unknown>): string => {
      try {
        historyQueryOf((name) => fields[name]);
      } catch (err) {
        expect(err).toBeInstanceOf(HistoryQueryError);
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(refusal({ limit: 'ten' })).toMatch(/^limit /);
    expect(refusal({ limit: '1001' })).toMatch(/^limit must be an integer from 1 to 1000/);
    expect(refusal({ limit: 0 })).toMatch(/^limit /);
    expect(refusal({ start_serial: '-1' })).toMatch(/^start_serial must be a non-negative integer/);
    expect(refusal({ end_time_ms: 1.5 })).toMatch(/^end_time_ms must be a non-negative integer/);
    expect(refusal({ direction: 'sideways' })).toMatch(/^direction must be newest_first or oldest_first/);
    expect(refusal({ direction: 1 })).toMatch(/^direction must be a string/);
    expect(refusal({ cursor: 'forged' })).toMatch(/^cursor /);
    expect(refusal({ stream_id: 'x'.repeat(256) })).toMatch(/^stream_id /);
  });
});
