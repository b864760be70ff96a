import { describe, expect, it } from 'vitest';
import { MemoryRecoveryLog, asAppId, asChannelName, buildConfig, recoveryPolicy, withPosition, type RecoveryConfig } from '@sockudo-ts/shared';

const app = asAppId('app');
const ch = asChannelName('ch');
const limits = (over: Partial<RecoveryConfig> = {}): RecoveryConfig => ({ enabled: true, buffer_size: 5, max_buffer_bytes: 1 << 20, ttl_seconds: 60, max_total_bytes: 1 << 28, stream_max_bytes: 1 << 30, ...over });
const frame = (n: number): string => `{"event":"e","channel":"ch","data":"${n}"}`;

describe('MemoryRecoveryLog', () => {
  it('hands out serials from 1 per channel with one stream id, and reads what came after a position', async () => {
    const log = new MemoryRecoveryLog(() => limits());
    const a = [1, 2, 3].map((n) => log.append(app, ch, frame(n)));
    const other = log.append(app, asChannelName('other'), frame(9));
    log.close();
    expect(a.map((x) => x.serial)).toEqual([1, 2, 3]);
    expect(new Set(a.map((x) => x.streamId)).size).toBe(1);
    expect(other.serial).toBe(1);
    expect(other.streamId).not.toBe(a[0]!.streamId);
    const read = await log.readAfter(app, ch, { serial: 1, streamId: a[0]!.streamId });
    expect(read.ok && read.messages.map((m) => m.frame)).toEqual([frame(2), frame(3)]);
    const none = await log.readAfter(app, ch, { serial: 3, streamId: a[0]!.streamId });
    expect(none.ok && none.messages).toEqual([]);
  });

  it('bounds each channel by count, bytes and age, and says why a position cannot be resumed', async () => {
    let now = 1_000_000;
    const log = new MemoryRecoveryLog(() => limits({ max_buffer_bytes: 4 * frame(10).length }), 60_000, () => now);
    const first = log.append(app, ch, frame(1));
    for (let n = 2; n <= 10; n++) log.append(app, ch, frame(n));
    log.close();
    expect(log.sizes()).toMatchObject({ channels: 1, messages: 4 });
    const stream = first.streamId;
    expect(await log.readAfter(app, ch, { serial: 1, streamId: stream })).toMatchObject({ ok: false, code: 'position_expired', oldestSerial: 7, newestSerial: 10 });
    expect(await log.readAfter(app, ch, { serial: 6, streamId: stream })).toMatchObject({ ok: true });
    expect(await log.readAfter(app, ch, { serial: 6, streamId: 'other' })).toMatchObject({ ok: false, code: 'stream_reset', currentStreamId: stream });
    expect(await log.readAfter(app, ch, { serial: 11, streamId: stream })).toMatchObject({ ok: false, code: 'continuity_unverifiable' });
    expect(await log.readAfter(app, ch, { serial: 6 })).toMatchObject({ ok: false, code: 'continuity_unverifiable' });
    now += 61_000;
    expect(await log.readAfter(app, ch, { serial: 6, streamId: stream })).toMatchObject({ ok: false, code: 'position_expired' });
    log.sweep();
    expect(log.sizes()).toEqual({ channels: 0, messages: 0, bytes: 0 });
    const fresh = log.append(app, ch, frame(11));
    expect(fresh.serial).toBe(1);
    expect(fresh.streamId).not.toBe(stream);
  });

  it('forgets the channels published to least recently when the total is over its bound', async () => {
    const log = new MemoryRecoveryLog(() => limits({ buffer_size: 100 }), 60_000, Date.now, 10 * frame(1).length);
    const a = log.append(app, asChannelName('a'), frame(1));
    log.append(app, asChannelName('b'), frame(1));
    log.append(app, asChannelName('a'), frame(2));
    for (let n = 1; n <= 8; n++) log.append(app, asChannelName('c'), frame(n));
    log.close();
    expect(log.sizes()).toMatchObject({ channels: 2, messages: 10 });
    expect(await log.readAfter(app, asChannelName('b'), { serial: 0, streamId: 'x' })).toMatchObject({ ok: false, code: 'position_expired' });
    expect(await log.readAfter(app, asChannelName('a'), { serial: 0, streamId: a.streamId })).toMatchObject({ ok: true });
  });

  it('rewinds by count and by seconds, oldest first', async () => {
    let now = 0;
    const log = new MemoryRecoveryLog(() => limits(), 60_000, () => now);
    for (let n = 1; n <= 4; n++) {
      now = n * 1000;
      log.append(app, ch, frame(n));
    }
    log.close();
    expect((await log.rewind(app, ch, { count: 2 })).messages.map((m) => m.serial)).toEqual([3, 4]);
    expect(await log.rewind(app, ch, { count: 9 })).toMatchObject({ truncated: false });
    expect((await log.rewind(app, ch, { seconds: 2.5 })).messages.map((m) => m.serial)).toEqual([2, 3, 4]);
    expect(await log.rewind(app, asChannelName('none'), { count: 3 })).toEqual({ messages: [], truncated: false });
  });

  it('takes an app override over the server section', () => {
    const config = buildConfig([{ name: 't', values: { recovery: { enabled: false, buffer_size: 7 }, app_manager: { driver: 'memory', array: { apps: [{ id: 'a', key: 'k', secret: 's', recovery: { enabled: true } }] } } } }], {});
    const policy = recoveryPolicy(config.recovery, config.app_manager.array.apps);
    expect(policy(asAppId('a'))).toMatchObject({ enabled: true, buffer_size: 7 });
    expect(policy(asAppId('b')).enabled).toBe(false);
    expect(() => buildConfig([{ name: 't', values: { app_manager: { driver: 'memory', array: { apps: [{ id: 'a', key: 'k', secret: 's', recovery: { size: 1 } }] } } } }], {})).toThrow(/recovery\.size: unknown key/);
  });

  it('withPosition splices the V2 fields into a frame', () => {
    expect(JSON.parse(withPosition(frame(1), 4, 'abc', 'id-1'))).toEqual({ event: 'e', channel: 'ch', data: '1', serial: 4, stream_id: 'abc', message_id: 'id-1' });
  });
});
