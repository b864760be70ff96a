import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAppId } from '@sockudo-ts/shared';
import {
  apiCall,
  apiClient,
  connected,
  freePort,
  nextEvent,
  onBounce,
  pusherClient,
  rawClient,
  sleep,
  subscribed,
  waitFor,
  type PusherClient,
  type RawClient,
  type TestApp,
} from '../kit/index.js';
import { ROOT } from '../kit/process.js';

// Issue 9 §1, §2, §6: the image and docker-compose.yml, run for real with podman (ENVIRONMENT.md: the shared
// container-images script installs podman and podman-compose and the stand-in base images).
const BASE_IMAGES = ['node:20-bookworm-slim', 'nats:2.9', 'redis:7.0', 'postgres:15', 'nginx:1.22'].map((i) => `docker.io/library/${i}`);
const IMAGE = `localhost/sockudo-ts:ct-${randomBytes(3).toString('hex')}`;
const PROJECT = `sockudoct${randomBytes(3).toString('hex')}`;
const APP: TestApp = { id: asAppId('app-id'), key: 'app-key', secret: 'app-secret' };
const SERVICES = ['nats', 'redis', 'postgres', 'presence', 'gateway-1', 'gateway-2', 'api', 'webhook', 'ingress', 'webhook-sink'];
/** HISTORY_SERVICES are the history profile's: the one-shot migration and the history service (RECOVERY_ENABLED and HISTORY_ENABLED in env()). */
const HISTORY_SERVICES = ['migrate', 'history'];
/** LONG is how long anything that starts a container may take on a loaded 2-core machine (it detects hangs only). */
const LONG = 180_000;

function run(cmd: string, args: string[], env: Record<string, string> = {}, timeout = 900_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
}
function must(cmd: string, args: string[], env: Record<string, string> = {}, timeout?: number): string {
  const r = run(cmd, args, env, timeout);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${(r.stdout ?? '').slice(-3000)}\n${(r.stderr ?? '').slice(-3000)}`);
  return r.stdout;
}

/** ready tells whether podman, podman-compose and the stand-in images are here (one line when not; CI fails). */
function ready(): boolean {
  let missing = run('podman', ['--version']).status !== 0 ? 'podman' : run('podman-compose', ['version']).status !== 0 ? 'podman-compose' : BASE_IMAGES.find((i) => run('podman', ['image', 'exists', i]).status !== 0);
  let install = '(as root) ../shared/tools/container-images';
  if (missing === undefined) {
    // compose service names resolve only on networks with DNS (CNI: the dnsname plugin)
    const net = `sockudodns${randomBytes(3).toString('hex')}`;
    const dns = run('podman', ['network', 'create', net]).status === 0 && run('podman', ['network', 'inspect', '-f', '{{.DNSEnabled}}', net]).stdout.trim() === 'true';
    run('podman', ['network', 'rm', '-f', net]);
    if (dns) return true;
    missing = "DNS on podman networks (service names do not resolve)";
    install = 'apt-get install golang-github-containernetworking-plugin-dnsname';
  }
  const line = `${missing} is missing; prepare with: ${install}`;
  if (process.env.CI === 'true') throw new Error(`container tests: ${line} (with CI=true this is a failure)`);
  process.stderr.write(`SKIPPED: the container tests: ${line}\n`);
  return false;
}
const usable = ready();

interface State {
  name: string;
  restarts: number;
  pid: number;
  startedAt: string;
  running: boolean;
  ip: string;
}

describe.skipIf(!usable)('the image and docker-compose.yml under podman', () => {
  let port: number;
  let sinkPort: number;
  const clients: PusherClient[] = [];
  /** seen holds what each client went through (state changes and errors, with the time), for failure messages. */
  const seen = new Map<PusherClient, string[]>();
  /** bounced lists the handshakes a draining gateway refused with 4200 (onBounce). */
  const bounced: string[] = [];
  const keep = (c: PusherClient): PusherClient => {
    const log: string[] = [];
    seen.set(c, log);
    const at = () => new Date().toISOString().slice(11, 23);
    c.connection.bind('state_change', (s: { previous: string; current: string }) => log.push(`${at()} ${s.previous}->${s.current}`));
    c.connection.bind('error', (e: unknown) => log.push(`${at()} error ${JSON.stringify(e).slice(0, 300)}`));
    onBounce(c, () => bounced.push(`client ${clients.indexOf(c)} at ${at()}`));
    clients.push(c);
    return c;
  };
  /** stuck describes the clients not connected: what each went through, then the ingress's and the gateways' logs. */
  const stuck = (among: PusherClient[]) => (err: Error): never => {
    const lines = among.filter((c) => c.connection.state !== 'connected').map((c) => `client ${clients.indexOf(c)} (${c.connection.state}): ${(seen.get(c) ?? []).slice(-12).join(' | ')}`);
    const ips = ['gateway-1', 'gateway-2'].map((s) => `${s} at ${state(s).ip || '(none)'}`).join(', ');
    const ingressLog = run('podman', ['logs', container('ingress')]);
    throw new Error(`${err.message}\n${lines.join('\n')}\n${ips}\n--- ingress\n${ingressLog.stdout}${ingressLog.stderr}\n${['gateway-1', 'gateway-2'].map((s) => `--- ${s}\n${logsOf(s)}`).join('\n')}`);
  };
  const env = (): Record<string, string> => ({
    SOCKUDO_IMAGE: IMAGE,
    SOCKUDO_PORT: String(port),
    SINK_PORT: String(sinkPort),
    SOCKUDO_CONFIG: './tests/containers/sockudo.toml',
    RECOVERY_ENABLED: 'true',
    HISTORY_ENABLED: 'true',
  });
  const compose = (...args: string[]) => must('podman-compose', ['-p', PROJECT, '-f', 'docker-compose.yml', '-f', 'tests/containers/compose.test.yml', ...args], env());
  const container = (service: string) => `${PROJECT}_${service}_1`;
  const state = (service: string): State => {
    const [restarts, pid, startedAt, running, ip] = must('podman', ['inspect', '-f', '{{.RestartCount}}|{{.State.Pid}}|{{.State.StartedAt}}|{{.State.Running}}|{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', container(service)]).trim().split('|');
    return { name: service, restarts: Number(restarts), pid: Number(pid), startedAt: startedAt!, running: running === 'true', ip: ip! };
  };
  /** connectedOn returns how many sockets of the app a gateway holds (its own metrics, read inside its container). */
  const connectedOn = (service: string): number => {
    const r = run('podman', ['exec', container(service), 'node', '-e', "fetch('http://127.0.0.1:9601/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))"]);
    if (r.status !== 0) return -1;
    return [...r.stdout.matchAll(/^sockudo_connected\{[^}]*app_id="app-id"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  };
  const ingress = () => ({ host: '127.0.0.1', port, app: APP });
  const logsOf = (service: string) => run('podman', ['logs', '--tail', '40', container(service)]).stdout + run('podman', ['logs', '--tail', '40', container(service)]).stderr;

  beforeAll(async () => {
    port = await freePort();
    sinkPort = await freePort();
    const started = Date.now();
    must('podman', ['build', '--pull=never', '-f', 'deploy/Dockerfile', '-t', IMAGE, '.'], {}, 1_500_000);
    const size = Number(must('podman', ['image', 'inspect', '-f', '{{.Size}}', IMAGE]).trim());
    process.stderr.write(`container tests: image ${IMAGE} built in ${Math.round((Date.now() - started) / 1000)} s, ${(size / 1e6).toFixed(0)} MB\n`);
    // why: podman-compose 1.0 ignores `profiles`; naming the services keeps the observability profile's
    // collector and Jaeger (images this machine cannot pull) and the push worker out of the stack under test.
    compose('up', '-d', ...SERVICES, ...HISTORY_SERVICES);
    // the ingress answers /up (from the api) once nginx and the api run
    await waitFor(
      async () => {
        try {
          return (await fetch(`http://127.0.0.1:${port}/up`, { signal: AbortSignal.timeout(3000) })).status === 200;
        } catch {
          return false;
        }
      },
      LONG,
      'the stack to answer /up through the ingress',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${SERVICES.map((s) => `--- ${s}\n${logsOf(s)}`).join('\n')}`);
    });
  }, 1_500_000);

  afterAll(() => {
    for (const c of clients) c.disconnect();
    if (!usable) return;
    run('podman-compose', ['-p', PROJECT, '-f', 'docker-compose.yml', '-f', 'tests/containers/compose.test.yml', 'down', '-v', '-t', '5'], env());
    // what compose down may leave: the project's network and volumes, and the test image
    for (const id of run('podman', ['ps', '-aq', '--filter', `label=io.podman.compose.project=${PROJECT}`]).stdout.split('\n').filter(Boolean)) run('podman', ['rm', '-f', id]);
    for (const v of run('podman', ['volume', 'ls', '-q', '--filter', `label=io.podman.compose.project=${PROJECT}`]).stdout.split('\n').filter(Boolean)) run('podman', ['volume', 'rm', '-f', v]);
    run('podman', ['network', 'rm', '-f', `${PROJECT}_default`]);
    run('podman', ['rmi', '-f', IMAGE]);
  }, 300_000);

  it('runs every service as a non-root user, with node as PID 1 and the service chosen by the command', () => {
    for (const s of ['presence', 'gateway-1', 'gateway-2', 'api', 'webhook', 'history']) {
      const st = state(s);
      expect([s, st.running]).toEqual([s, true]);
      expect(must('podman', ['exec', container(s), 'id', '-u']).trim()).not.toBe('0');
      const cmdline = must('podman', ['exec', container(s), 'cat', '/proc/1/cmdline']).split('\0').filter(Boolean);
      expect(cmdline.slice(0, 3)).toEqual(['node', '/app/deploy/docker/entrypoint.mjs', s.replace(/-\d$/, '')]);
    }
    // no dev dependencies and no sources in the image
    const ls = must('podman', ['run', '--rm', '--entrypoint', 'sh', IMAGE, '-c', 'ls node_modules; ls shared services/gateway; test -e node_modules/vitest && echo HAS-VITEST; test -e node_modules/typescript && echo HAS-TYPESCRIPT; true']);
    expect(ls).not.toContain('HAS-VITEST');
    expect(ls).not.toContain('HAS-TYPESCRIPT');
    expect(ls).not.toMatch(/^src$/m);
    const unknown = run('podman', ['run', '--rm', IMAGE, 'nonsense']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown service "nonsense"; run one of: standalone, gateway, api, presence, webhook');
  });

  it('passes the health check of every service', async () => {
    for (const s of ['presence', 'gateway-1', 'gateway-2', 'api', 'webhook', 'history', 'redis', 'postgres', 'nats', 'ingress']) {
      // why: podman runs health checks from systemd timers, absent here; run each check once (retrying while it starts).
      await waitFor(() => run('podman', ['healthcheck', 'run', container(s)]).status === 0, LONG, `the health check of ${s}`);
    }
  });

  it('serves pusher-js and the pusher SDK through the ingress: events, presence, webhooks', async () => {
    const a = pusherClient(ingress(), { channelData: () => ({ user_id: 'ann', user_info: { n: 1 } }) });
    keep(a);
    await connected(a);
    const b = pusherClient(ingress(), { channelData: () => ({ user_id: 'ben', user_info: { n: 2 } }) });
    keep(b);
    await connected(b);
    // least_conn put one socket on each gateway
    await waitFor(() => connectedOn('gateway-1') === 1 && connectedOn('gateway-2') === 1, 30_000, 'one socket per gateway');

    const [ca, cb] = await Promise.all([subscribed(a, 'presence-compose'), subscribed(b, 'presence-compose')]);
    const got = Promise.all([nextEvent(ca, 'hello', 30_000), nextEvent(cb, 'hello', 30_000)]);
    const sdk = apiClient(ingress());
    await sdk.trigger('presence-compose', 'hello', { from: 'sdk' });
    expect(await got).toEqual([{ from: 'sdk' }, { from: 'sdk' }]);
    const users = await apiCall(() => sdk.get({ path: '/channels/presence-compose/users' }));
    expect((users.body as { users: { id: string }[] }).users.map((u) => u.id).sort()).toEqual(['ann', 'ben']);

    // channel_occupied and member_added, signed with the app secret, reached the receiver inside the stack
    const webhooks = async () => (await (await fetch(`http://127.0.0.1:${sinkPort}/received`)).json()) as { headers: Record<string, string>; body: string }[];
    const named = async (name: string) => (await webhooks()).filter((w) => (JSON.parse(w.body) as { events: { name: string; channel: string }[] }).events.some((e) => e.name === name && e.channel === 'presence-compose'));
    await waitFor(async () => (await named('channel_occupied')).length > 0 && (await named('member_added')).length > 0, 60_000, 'channel_occupied and member_added webhooks');
    for (const w of await webhooks()) expect(sdk.webhook({ headers: w.headers, rawBody: w.body }).isValid()).toBe(true);
  });

  it('keeps channel history with the history profile: migrate ran once and exited 0, the SDK reads history through the ingress', async () => {
    expect(must('podman', ['inspect', '-f', '{{.State.Running}}|{{.State.ExitCode}}', container('migrate')]).trim()).toBe('false|0');
    expect(logsOf('migrate')).toMatch(/applied migration \S+_init|is up to date/);
    const sdk = apiClient(ingress());
    for (let i = 1; i <= 5; i++) await sdk.trigger('history-compose', 'tick', { i });
    type Page = { items: Array<{ serial: number; event: string; data: string }>; has_more: boolean };
    let page: Page = { items: [], has_more: false };
    // the history service stores the stream a little behind; the api reads it over gRPC at history:50052
    await waitFor(
      async () => {
        const res = await apiCall(() => sdk.get({ path: '/channels/history-compose/history', params: { direction: 'oldest_first' } }));
        page = res.body as Page;
        return res.status === 200 && page.items.length === 5;
      },
      LONG,
      'five events of history through the ingress',
    );
    expect(page.items.map((m) => [m.event, JSON.parse(m.data)])).toEqual([1, 2, 3, 4, 5].map((i) => ['tick', { i }]));
    expect(page.has_more).toBe(false);
  });

  it('restarts a gateway whose process dies, its clients reconnect through the ingress, nothing else restarts', async () => {
    const before = Object.fromEntries(SERVICES.map((s) => [s, state(s)]));
    const [a, b] = clients as [PusherClient, PusherClient];
    const ids = [a.connection.socket_id, b.connection.socket_id];
    const changes: string[][] = [[], []];
    a.connection.bind('state_change', (s: { current: string }) => changes[0]!.push(s.current));
    b.connection.bind('state_change', (s: { current: string }) => changes[1]!.push(s.current));

    // like a crash: SIGKILL the gateway's process from the host (podman does not restart what `podman kill` stops)
    must('kill', ['-9', String(before['gateway-1']!.pid)]);
    await waitFor(() => state('gateway-1').restarts > before['gateway-1']!.restarts && state('gateway-1').running, LONG, 'gateway-1 to be restarted by its restart policy');
    const after = state('gateway-1');
    expect(after.pid).not.toBe(before['gateway-1']!.pid);
    await waitFor(() => run('podman', ['healthcheck', 'run', container('gateway-1')]).status === 0, LONG, 'the restarted gateway-1 to be healthy');

    // exactly one client lost its socket and got a new one through the ingress; the other never noticed
    await waitFor(() => a.connection.state === 'connected' && b.connection.state === 'connected' && (a.connection.socket_id !== ids[0] || b.connection.socket_id !== ids[1]), LONG, 'the client of gateway-1 to reconnect');
    const moved = a.connection.socket_id !== ids[0] ? 0 : 1;
    expect(changes[moved]).toContain('connected');
    expect(changes[1 - moved]).toEqual([]);
    expect([a, b][1 - moved]!.connection.socket_id).toBe(ids[1 - moved]);
    const channels = [a, b].map((c) => c.channel('presence-compose')!);
    await waitFor(() => channels.every((c) => c.subscribed), LONG, 'the reconnected client to resubscribe');
    // events reach both again (retry: the resubscription may land before the gateway's bus interest)
    let delivered = false;
    const got = Promise.all(channels.map((c) => nextEvent(c, 'again', LONG)));
    got.then(() => (delivered = true)).catch(() => undefined);
    const sdk = apiClient(ingress());
    await waitFor(
      async () => {
        if (!delivered) await sdk.trigger('presence-compose', 'again', { n: 2 });
        return delivered;
      },
      60_000,
      'an event to both clients after the restart',
    );
    expect(await got).toEqual([{ n: 2 }, { n: 2 }]);

    // the ingress reaches the restarted container at its (possibly new) address: new sockets land on it
    process.stderr.write(`container tests: gateway-1 address ${before['gateway-1']!.ip} -> ${after.ip}\n`);
    // why: nginx skips a gateway for fail_timeout (5 s) after a failed connect, and the moved client may have
    // reconnected to gateway-2 meanwhile; keep opening sockets (least_conn sends them to gateway-1 once nginx
    // takes it back) until one lands there.
    await waitFor(
      async () => {
        if (connectedOn('gateway-1') >= 1) return true;
        const c = pusherClient(ingress());
        keep(c);
        await connected(c);
        if (connectedOn('gateway-1') >= 1) return true;
        await sleep(2000);
        return false;
      },
      90_000,
      'a socket through the ingress on the restarted gateway-1',
    );

    for (const s of SERVICES.filter((x) => x !== 'gateway-1')) {
      const now = state(s);
      expect([s, now.restarts, now.startedAt, now.running]).toEqual([s, before[s]!.restarts, before[s]!.startedAt, true]);
    }
  });

  it('follows a gateway to a new address: the ingress reloads and new sockets reach it there', async () => {
    const net = `${PROJECT}_default`;
    const old = state('gateway-1').ip;
    // a stopped container that starts again on a new address, as a restarted one may (its sockets drain with 4200
    // and their clients reconnect to gateway-2 through the ingress)
    must('podman', ['stop', '-t', '30', container('gateway-1')]);
    must('podman', ['network', 'disconnect', net, container('gateway-1')]);
    must('podman', ['network', 'connect', '--alias', 'gateway-1', net, container('gateway-1')]);
    must('podman', ['start', container('gateway-1')]);
    const now = state('gateway-1').ip;
    process.stderr.write(`container tests: gateway-1 moved from ${old} to ${now}\n`);
    expect(now).not.toBe(old);
    // why: the whole log, not its tail: the handshakes logged after the reload could push its line out of a tail
    const reloaded = () => {
      const r = run('podman', ['logs', container('ingress')]);
      return `${r.stdout}${r.stderr}`.includes(`reloading nginx: gateway-1 ${now} `);
    };
    await waitFor(reloaded, 60_000, 'the ingress to reload with the new address of gateway-1');
    await waitFor(() => run('podman', ['healthcheck', 'run', container('gateway-1')]).status === 0, LONG, 'gateway-1 to be healthy at its new address');
    await waitFor(() => clients.every((c) => c.connection.state === 'connected'), LONG, 'every client to be connected again').catch(stuck(clients));
    // least_conn sends new sockets to gateway-1 (gateway-2 holds every other one), at its new address
    await waitFor(
      async () => {
        if (connectedOn('gateway-1') >= 1) return true;
        const c = pusherClient(ingress());
        keep(c);
        await connected(c);
        return connectedOn('gateway-1') >= 1;
      },
      LONG,
      'a socket through the ingress on gateway-1 at its new address',
    );
  });

  it('drains a gateway on SIGTERM: its sockets close with 4200, clients reconnect to the other, it exits 0', async () => {
    const gone = clients.filter((c) => c.connection.state === 'connected');
    // raw sockets see the close code: open them until least_conn puts one on gateway-2
    const raws: RawClient[] = [];
    const onGateway2 = connectedOn('gateway-2');
    for (let i = 0; i < 12 && connectedOn('gateway-2') === onGateway2; i++) {
      const raw = await rawClient(ingress());
      raws.push(raw);
      await raw.socketId();
    }
    const closes: { code: number }[] = [];
    for (const r of raws) void r.closed.then((c) => closes.push(c));
    expect(connectedOn('gateway-2')).toBeGreaterThan(0);
    // podman stop sends SIGTERM to PID 1 (node), SIGKILL only after the timeout
    must('podman', ['stop', '-t', '30', container('gateway-2')]);
    const st = must('podman', ['inspect', '-f', '{{.State.ExitCode}}', container('gateway-2')]).trim();
    expect(st).toBe('0');
    expect(logsOf('gateway-2')).toMatch(/SIGTERM/);
    await waitFor(() => closes.length > 0, 30_000, 'a raw socket of gateway-2 to be closed');
    expect(closes.every((c) => c.code === 4200)).toBe(true);
    for (const r of raws) r.close();
    await waitFor(() => gone.every((c) => c.connection.state === 'connected'), LONG, 'every client to be connected again').catch(stuck(gone));
    await waitFor(() => connectedOn('gateway-1') === gone.length, 60_000, 'every socket on gateway-1');
    // a gateway refuses new connections from the start of its drain, so no reconnect landed on one and bounced
    expect(bounced).toEqual([]);
  });
});
