/**
 * What one stored message costs nats-server, by stream setting (part of scenario 7, issue 11). The serial path's
 * throughput over many channels is bound by how many messages the stream stores per second, so this isolates the
 * server: raw acked publishes (no bus, no subscriber logic) of a message shaped like a small batch, round-robin
 * over N subjects, to streams that differ in one setting each. Every subject is filled past its per-subject limit
 * first, so that every measured store also removes that subject's oldest message, as in a long-running server.
 */
import { jetstreamManager, type StreamConfig } from '@nats-io/jetstream';
import { connect, createInbox, headers as natsHeaders } from '@nats-io/transport-node';
import { cpuMs } from '../proc.js';

/** StoreSetting is one stream configuration measured. */
interface StoreSetting {
  name: string;
  perSubjectLimit: boolean;
  republish: boolean;
}

const SETTINGS: StoreSetting[] = [
  { name: 'file, per-subject limit, RePublish (deployed until the limit was dropped)', perSubjectLimit: true, republish: true },
  { name: 'as deployed: without the per-subject limit', perSubjectLimit: false, republish: true },
  { name: 'without RePublish', perSubjectLimit: true, republish: false },
  { name: 'without both', perSubjectLimit: false, republish: false },
];

/** StoreCost is one setting's figures, a pair per round. */
export interface StoreCost {
  setting: string;
  channels: number;
  /** limit is the per-subject limit (max_msgs_per_subject), 0 when none. */
  limit: number;
  /** rounds holds nats-server's CPU per stored message (us) and the stored messages/s of each round. */
  rounds: { natsUs: number; storedPerS: number }[];
}

/** WINDOW is the acked publishes kept in flight (refilled as acks come, not in waves). */
const WINDOW = 128;
/** PAYLOAD is a message about the size of a batch of 2-3 bench frames. */
const PAYLOAD = new Uint8Array(450).fill(120);

/**
 * storeCosts measures each setting over `channels` subjects: 100 with the bench's per-subject limit of 100, and
 * 1,000 with a limit of 10 (the removal's cost depends on how many other subjects' messages lie between two of one
 * subject, not on the limit; a limit of 10 keeps the fill short). `natsPid` is the process of the server at `url`.
 */
export async function storeCosts(url: string, natsPid: number, rounds: number, perRound: number): Promise<StoreCost[]> {
  const nc = await connect({ servers: [url] });
  const jsm = await jetstreamManager(nc);
  const inbox = createInbox();
  const waiting = new Map<string, () => void>();
  let next = 0;
  nc.subscribe(`${inbox}.*`, {
    callback: (err, msg) => {
      if (err) return;
      const id = msg.subject.slice(inbox.length + 1);
      const done = waiting.get(id);
      waiting.delete(id);
      done?.();
    },
  });
  const run = `bstore${Date.now().toString(36)}`;
  const streams: string[] = [];
  const out: StoreCost[] = [];
  try {
    const cases = [
      ...SETTINGS.map((s) => ({ setting: s, channels: 100, limit: 100 })),
      ...SETTINGS.filter((s) => s.republish).map((s) => ({ setting: s, channels: 1000, limit: 10 })),
    ];
    const paths = await Promise.all(
      cases.map(async (c, i) => {
        const prefix = `${run}${i}`;
        const config: Partial<StreamConfig> & { name: string } = {
          name: `${prefix}_store`,
          subjects: [`${prefix}.log.>`],
          storage: 'file' as StreamConfig['storage'],
          max_age: 300 * 1_000_000_000,
          allow_direct: true,
        };
        if (c.setting.perSubjectLimit) config.max_msgs_per_subject = c.limit;
        if (c.setting.republish) config.republish = { src: `${prefix}.log.>`, dest: `${prefix}.ch.>` };
        await jsm.streams.add(config);
        streams.push(config.name);
        return { ...c, prefix, figures: [] as StoreCost['rounds'] };
      }),
    );
    const store = (prefix: string, channels: number, count: number): Promise<void> =>
      new Promise((resolve) => {
        let sent = 0;
        let acked = 0;
        const send = (): void => {
          while (sent - acked < WINDOW && sent < count) {
            const id = (next++).toString(36);
            const n = sent++;
            waiting.set(id, () => {
              acked++;
              if (acked === count) resolve();
              else send();
            });
            const h = natsHeaders();
            h.append('Sockudo-Version', '1');
            h.append('Sockudo-Node', 'bench-node');
            h.append('Sockudo-Kind', 'batch');
            nc.publish(`${prefix}.log.app.c${n % channels}`, PAYLOAD, { headers: h, reply: `${inbox}.${id}` });
          }
        };
        send();
      });
    for (const p of paths) await store(p.prefix, p.channels, p.channels * (p.limit + 10));
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? paths : [...paths].reverse();
      for (const p of order) {
        const cpu0 = cpuMs(natsPid);
        const t0 = process.hrtime.bigint();
        await store(p.prefix, p.channels, perRound);
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        p.figures.push({ natsUs: ((cpuMs(natsPid) - cpu0) * 1000) / perRound, storedPerS: perRound / seconds });
      }
    }
    for (const p of paths) {
      out.push({ setting: p.setting.name, channels: p.channels, limit: p.setting.perSubjectLimit ? p.limit : 0, rounds: p.figures });
    }
    return out;
  } finally {
    for (const name of streams) await jsm.streams.delete(name).catch(() => false);
    await nc.close();
  }
}
