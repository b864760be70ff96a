import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { buildConfig, createLogger, defineService, startProcess, type Opened, type Service } from '@sockudo-ts/shared';

const logger = createLogger({ level: 'silent', service: 'test' });
const config = buildConfig([{ name: 'test', values: { host: '127.0.0.1', port: 0, shutdown_grace_period: 0.2, metrics: { host: '127.0.0.1', port: 0 } } }], {});

/** recording returns a service that writes its start, refusal of new work and stop into `log`. */
function recording(name: string, log: string[], failStart = false): Service {
  return defineService(name, {
    start: () => {
      if (failStart) throw new Error(`${name} cannot start`);
      log.push(`start ${name}`);
    },
    refuseNew: () => void log.push(`refuse ${name}`),
    stop: (grace) => void log.push(`stop ${name} ${grace}`),
  });
}

/** driver returns an opened driver whose close is logged and whose probe reads `state.ready`. */
function driver(name: string, log: string[], state = { ready: true }): Promise<Opened<string>> {
  return Promise.resolve({ port: name, probe: { name, ready: () => state.ready }, close: async () => void log.push(`close ${name}`) });
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('startProcess (the service shell)', () => {
  it('starts services in order, serves /metrics, /up and /ready, has every service refuse new work, stops them in reverse, then closes drivers', async () => {
    const log: string[] = [];
    const nats = { ready: true };
    const running = await startProcess('api', config, logger, async (ctx) => {
      await ctx.drivers.open(driver('redis', log));
      await ctx.drivers.open(driver('nats', log, nats));
      return { services: [recording('a', log), recording('b', log)], announce: () => ({ msg: 'up' }) };
    });
    expect(log).toEqual(['start a', 'start b']);
    const port = running.metricsPort!;
    expect(await get(port, '/up')).toEqual({ status: 200, body: 'OK' });
    expect((await get(port, '/metrics')).body).toContain('sockudo_process_cpu_seconds_total');
    expect(await get(port, '/ready')).toEqual({ status: 200, body: JSON.stringify({ ready: true, checks: { redis: true, nats: true } }) });
    nats.ready = false;
    expect(await get(port, '/ready')).toEqual({ status: 503, body: JSON.stringify({ ready: false, checks: { redis: true, nats: false } }) });
    expect((await get(port, '/nope')).status).toBe(404);

    await Promise.all([running.stop(), running.stop()]);
    // every service refuses new work before the first one stops (a gateway's port before its 4200 closes)
    expect(log).toEqual(['start a', 'start b', 'refuse a', 'refuse b', 'stop b 200', 'stop a 200', 'close nats', 'close redis']);
    expect(await portFree(port)).toBe(true);
  });

  it('collects the process metrics (and runs their event-loop monitor) only when metrics are enabled', async () => {
    const off = buildConfig([{ name: 'test', values: { host: '127.0.0.1', port: 0, metrics: { enabled: false } } }], {});
    const compose = async (): Promise<{ services: Service[]; announce: () => { msg: string } }> => ({ services: [], announce: () => ({ msg: 'up' }) });
    for (const [settings, expected] of [[config, true], [off, false]] as const) {
      const running = await startProcess('api', settings, logger, compose);
      try {
        const registry = running.context.metrics.registry;
        expect(registry.getSingleMetric('sockudo_process_cpu_seconds_total') !== undefined).toBe(expected);
        expect(registry.getSingleMetric('sockudo_nodejs_eventloop_lag_p99_seconds') !== undefined).toBe(expected);
      } finally {
        await running.stop();
      }
    }
  });

  it('undoes a half start: a service that fails to start stops those before it and closes the drivers', async () => {
    const log: string[] = [];
    await expect(
      startProcess('gateway', config, logger, async (ctx) => {
        await ctx.drivers.open(driver('redis', log));
        return { services: [recording('a', log), recording('b', log, true), recording('c', log)], announce: () => ({ msg: 'up' }) };
      }),
    ).rejects.toThrow('b cannot start');
    expect(log).toEqual(['start a', 'refuse a', 'stop a 0', 'close redis']);
  });

  it('closes the drivers opened so far when composing fails', async () => {
    const log: string[] = [];
    await expect(
      startProcess('presence', config, logger, async (ctx) => {
        await ctx.drivers.open(driver('redis', log));
        throw new Error('NATS is unreachable');
      }),
    ).rejects.toThrow('NATS is unreachable');
    expect(log).toEqual(['close redis']);
  });

  it('names the config key of a port that is taken, and leaves nothing listening', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const taken = (blocker.address() as { port: number }).port;
    const log: string[] = [];
    const busy = buildConfig([{ name: 'test', values: { host: '127.0.0.1', metrics: { host: '127.0.0.1', port: taken } } }], {});
    await expect(
      startProcess('webhook', busy, logger, async () => ({ services: [recording('worker', log)], announce: () => ({ msg: 'up' }) })),
    ).rejects.toThrow(`cannot listen on 127.0.0.1:${taken} (config key metrics.port): address already in use`);
    expect(log).toEqual(['start worker', 'refuse worker', 'stop worker 0']);
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  });
});
