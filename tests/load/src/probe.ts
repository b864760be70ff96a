/**
 * probe.ts is preloaded into every server under test (`node --expose-gc --import probe.js`). Over the
 * IPC channel the bench opened, it answers `memory` with the process's memory after a full GC, so that
 * heap per connection is comparable between targets. It does nothing else and holds no reference to
 * the server.
 */
if (process.send !== undefined) {
  process.channel?.unref();
  process.on('message', (m: { probe?: string }) => {
    if (m?.probe !== 'memory') return;
    (globalThis as { gc?: () => void }).gc?.();
    const u = process.memoryUsage();
    process.send!({ probe: 'memory', rss: u.rss, heapUsed: u.heapUsed, external: u.external, arrayBuffers: u.arrayBuffers });
  });
}
export {};
