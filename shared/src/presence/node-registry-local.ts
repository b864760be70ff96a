import type { NodeRegistry, NodeSnapshot, SocketSnapshot } from './node-registry.js';
import type { NodeId } from '../ids.js';
import type { LocalPresence } from './presence-local.js';
import type { PresenceStore } from './presence-store.js';

/**
 * LocalNodeRegistry is the NodeRegistry over a PresenceStore, and the reaper of dead nodes: the sockets of
 * a node silent for longer than the timeout leave their channels through LocalPresence, so member_removed,
 * vacated and offline notices reach everyone else.
 */
export class LocalNodeRegistry implements NodeRegistry {
  constructor(private readonly store: PresenceStore, private readonly owner: LocalPresence, private readonly now = Date.now) {}

  heartbeat(nodeId: NodeId): Promise<boolean> {
    return this.store.heartbeat(nodeId, this.now());
  }

  async register(snapshot: NodeSnapshot): Promise<void> {
    const held = new Set(snapshot.sockets.map((s) => s.appId + '\n' + s.socketId));
    const gone = (await this.store.nodeSockets(snapshot.nodeId)).filter((ref) => !held.has(ref.appId + '\n' + ref.socketId));
    await inParallel(gone, (ref) => this.owner.disconnect(ref.appId, ref.socketId));
    await inParallel(snapshot.sockets, (s) => this.registerSocket(snapshot.nodeId, s));
    await this.store.registerNode(snapshot.nodeId, this.now());
  }

  /** reap removes every node whose last heartbeat is older than `timeoutMs`; returns their ids. */
  async reap(timeoutMs: number): Promise<NodeId[]> {
    const dead = await this.store.staleNodes(this.now() - timeoutMs);
    for (const node of dead) {
      for (const result of await this.store.removeNode(node)) await this.owner.applyDisconnect(result);
    }
    return dead;
  }

  private async registerSocket(nodeId: NodeId, s: SocketSnapshot): Promise<void> {
    // why: the socket is already connected; re-registering it must not be refused by the app quota.
    await this.store.connect(s.appId, s.socketId, nodeId, 0);
    const held = new Set(s.channels.map((c) => c.channel));
    for (const channel of await this.store.socketChannels(s.appId, s.socketId)) {
      if (!held.has(channel)) await this.owner.unsubscribe(s.appId, channel, s.socketId);
    }
    if (s.userId !== undefined) await this.owner.signin(s.appId, s.socketId, s.userId);
    for (const c of s.channels) await this.owner.subscribe(s.appId, c.channel, s.socketId, c.member);
  }
}

/** REGISTER_CONCURRENCY is how many sockets of a snapshot are applied at once (each in order). */
const REGISTER_CONCURRENCY = 32;

/**
 * inParallel runs `task` for every item, at most REGISTER_CONCURRENCY at a time. why: a snapshot of tens
 * of thousands of sockets applied one store round trip after another would outlast the call's deadline.
 */
async function inParallel<T>(items: readonly T[], task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(REGISTER_CONCURRENCY, items.length) }, worker));
}
