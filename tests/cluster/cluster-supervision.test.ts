import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAppId } from '@sockudo-ts/shared';
import {
  NATS,
  REDIS,
  START_TIMEOUT_MS,
  apiClient,
  connected,
  nextEvent,
  pusherClient,
  reachable,
  servicesUp,
  subscribed,
  waitFor,
  type PusherClient,
} from '../kit/index.js';
import { startScriptCluster } from '../kit/cluster-script.js';
import { buildOnce } from '../kit/process.js';

const up = await servicesUp('npm run cluster supervision', NATS, REDIS);

// Issue 9 §5: `npm run cluster` restarts a dead service with back-off and a log line; the others keep serving.
describe.skipIf(!up)('npm run cluster supervises its services', () => {
  const clients: PusherClient[] = [];
  beforeAll(() => buildOnce(), 180_000);
  afterAll(() => {
    for (const c of clients) c.disconnect();
  });

  it('restarts a SIGKILLed gateway while a client of the other gateway never notices, and Ctrl-C still stops all', async () => {
    const cluster = await startScriptCluster('superv');
    const { gatewayPort, apiPort, presencePort, pidsOf } = cluster;
    const out = (): string => cluster.output();
    let code: number | null;
    try {
      const app = { id: asAppId('app-id'), key: 'app-key', secret: 'app-secret' };
      // `victim` is on gateway-1 (killed), `bystander` on gateway-2 (must never notice).
      const victim = pusherClient({ host: '127.0.0.1', port: gatewayPort, app });
      const bystander = pusherClient({ host: '127.0.0.1', port: gatewayPort + 1, app });
      clients.push(victim, bystander);
      const [, bystanderSocket] = await Promise.all([connected(victim), connected(bystander)]);
      const states: string[] = [];
      bystander.connection.bind('state_change', (s: { current: string }) => states.push(s.current));
      const [cv, cb] = await Promise.all([subscribed(victim, 'supervised'), subscribed(bystander, 'supervised')]);

      const [oldPid] = pidsOf('gateway-1');
      expect(oldPid).toBeGreaterThan(0);
      process.kill(oldPid, 'SIGKILL');

      await waitFor(() => /cluster: gateway-1 exited \(SIGKILL\); restarting it in \d+ ms/.test(out()), 30_000, 'the restart log line');
      await waitFor(() => pidsOf('gateway-1').length === 2, 60_000, 'gateway-1 to be started again');
      // the bystander keeps getting events while gateway-1 is down or coming back
      const during = nextEvent(cb, 'during', 30_000);
      await apiClient({ host: '127.0.0.1', port: apiPort, app }).trigger('supervised', 'during', { n: 1 });
      expect(await during).toEqual({ n: 1 });

      // pusher-js on the killed gateway reconnects by itself (its retry waits a few seconds) and resubscribes
      await waitFor(() => victim.connection.state === 'connected' && cv.subscribed, START_TIMEOUT_MS * 2, 'the victim to reconnect to the restarted gateway');
      const after = Promise.all([nextEvent(cv, 'after', 30_000), nextEvent(cb, 'after', 30_000)]);
      // why: the resubscription reaches the gateway before its bus interest is registered; retry until seen.
      let delivered = false;
      after.then(() => (delivered = true)).catch(() => undefined);
      await waitFor(
        async () => {
          if (!delivered) await apiClient({ host: '127.0.0.1', port: apiPort, app }).trigger('supervised', 'after', { n: 2 });
          return delivered;
        },
        30_000,
        'an event on both gateways after the restart',
      );
      expect(await after).toEqual([{ n: 2 }, { n: 2 }]);

      expect(states).toEqual([]);
      expect(bystander.connection.socket_id).toBe(bystanderSocket);
      // only gateway-1 was restarted
      for (const name of ['presence', 'gateway-2', 'api', 'webhook']) expect(pidsOf(name)).toHaveLength(1);
      expect(out().match(/restarting it in/g)).toHaveLength(1);
    } finally {
      for (const c of clients.splice(0)) c.disconnect();
      code = await cluster.stop('SIGINT');
    }
    expect(code).toBe(0);
    expect(out()).toContain('cluster: stopped');
    for (const port of [gatewayPort, gatewayPort + 1, apiPort, presencePort]) expect(await reachable('127.0.0.1', port)).toBe(false);
  }, 300_000);
});
