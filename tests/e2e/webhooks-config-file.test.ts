import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connected, newApp, pusherClient, subscribed, waitFor, type PusherClient, type TestServer } from '../kit/index.js';
import { event, startWebhookReceiver, type WebhookReceiver } from '../kit/webhooks.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('a webhook URL in the config file of `npm start` gets signed, valid webhooks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sockudo-config-'));
  let child: ChildProcess | undefined;
  let receiver: WebhookReceiver | undefined;
  const clients: PusherClient[] = [];

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    if (child && child.exitCode === null) {
      const gone = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers occupancy, presence and client events from the embedded server started with --config', async () => {
    const app = newApp();
    receiver = await startWebhookReceiver([app]);
    const port = await freePort();
    const file = join(dir, 'config.toml');
    writeFileSync(
      file,
      `host = "127.0.0.1"
port = ${port}

[metrics]
enabled = false

[webhooks]
vacate_delay_ms = 200

[[app_manager.array.apps]]
id = "${app.id}"
key = "${app.key}"
secret = "${app.secret}"
enable_client_messages = true

[[app_manager.array.apps.webhooks]]
url = "${receiver.url('/hooks')}"
event_types = ["channel_occupied", "channel_vacated", "member_added", "member_removed", "client_event"]
`,
    );
    const logs: string[] = [];
    child = spawn(process.execPath, ['services/standalone/dist/main.js', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const s of [child.stdout!, child.stderr!]) s.on('data', (c: Buffer) => logs.push(String(c)));
    await waitFor(() => logs.join('').includes('listening') || child!.exitCode !== null, 15_000, 'the server to listen');
    expect(child.exitCode).toBeNull();

    const server = { host: '127.0.0.1', port, app } as unknown as TestServer;
    const alice = pusherClient(server, { channelData: () => ({ user_id: 'alice', user_info: { name: 'Alice' } }) });
    clients.push(alice);
    await connected(alice);
    const channel = await subscribed(alice, 'presence-lobby');
    channel.trigger('client-hello', { hi: 1 });
    await receiver.waitAccepted(event('client_event', 'presence-lobby'));
    alice.unsubscribe('presence-lobby');
    await receiver.waitAccepted(event('channel_vacated', 'presence-lobby'));

    await receiver.waitAccepted(event('member_removed', 'presence-lobby', 'alice'));
    // why: deliveries run concurrently, so arrival order is not part of the contract.
    const names = receiver.accepted().map((e) => e.name).sort();
    expect(names).toEqual(['channel_occupied', 'channel_vacated', 'client_event', 'member_added', 'member_removed']);
    expect(receiver.accepted().find((e) => e.name === 'member_added')).toEqual({ name: 'member_added', channel: 'presence-lobby', user_id: 'alice' });
    expect(receiver.accepted().find((e) => e.name === 'client_event')).toMatchObject({ user_id: 'alice', event: 'client-hello', data: '{"hi":1}' });
    expect(receiver.invalid()).toEqual([]);
    expect(logs.join('')).not.toContain(app.secret);
  });
});
