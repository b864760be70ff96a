import type { Logger, NodeId, NodeRegistry, NodeSnapshot } from '@sockudo-ts/shared';

/**
 * NodeHeartbeat keeps this gateway known to the presence service: a heartbeat every interval, and a full
 * snapshot of its sockets, sign-ins and subscriptions whenever presence may have lost or missed some of
 * it: at start, when presence answers "unknown node" (Redis restarted, or this node was taken for dead),
 * and after any presence call failed (presence restarted or unreachable: a leave may have been lost).
 */
export class NodeHeartbeat {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  /** keepAlive is a plain heartbeat sent while a registration is still running. */
  private keepAlive?: Promise<void>;
  /** dirty means presence may not hold exactly what this node holds; the next beat registers. */
  private dirty = true;
  private failing = false;

  private snapshot: () => NodeSnapshot = () => ({ nodeId: this.nodeId, sockets: [] });

  constructor(
    private readonly registry: NodeRegistry,
    private readonly nodeId: NodeId,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** start registers this node with what `snapshot` lists (or keeps trying), then beats every interval. */
  async start(snapshot: () => NodeSnapshot): Promise<void> {
    this.snapshot = snapshot;
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref();
  }

  /** stop ends the heartbeats; the presence service times this node out if it still holds sockets. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([this.running, this.keepAlive]);
  }

  /** markDirty says presence may have lost some of this node's state: the next beat registers it all. */
  markDirty(): void {
    this.dirty = true;
  }

  /**
   * beat runs one heartbeat (or registration) now; the timer calls it every interval. While a registration
   * is still running it sends a plain heartbeat instead. why: registering a large snapshot can take longer
   * than the node timeout; without heartbeats meanwhile presence would take this node for dead and send
   * member_removed for all its users.
   */
  beat(): Promise<void> {
    if (this.running !== undefined) {
      this.keepAlive ??= this.registry.heartbeat(this.nodeId).then(
        () => undefined,
        () => undefined,
      ).finally(() => (this.keepAlive = undefined));
      return this.keepAlive;
    }
    this.running = this.beatOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async beatOnce(): Promise<void> {
    try {
      if (!this.dirty && (await this.registry.heartbeat(this.nodeId))) {
        this.recovered();
        return;
      }
      this.dirty = false;
      const snapshot = this.snapshot();
      await this.registry.register(snapshot);
      // why: a leave sent while the snapshot was in flight may have been applied before it; compare and
      // register again next beat when anything changed meanwhile.
      if (JSON.stringify(this.snapshot()) !== JSON.stringify(snapshot)) this.dirty = true;
      this.logger.info({ sockets: snapshot.sockets.length }, 'registered this gateway with the presence service');
      this.recovered();
    } catch (err) {
      this.dirty = true;
      const detail = (err as { detail?: string }).detail;
      if (!this.failing) this.logger.warn({ reason: (err as Error).message, ...(detail === undefined ? {} : { detail }) }, 'presence heartbeat failed; will re-register when it answers');
      this.failing = true;
    }
  }

  private recovered(): void {
    if (this.failing) this.logger.info('presence heartbeat answered again');
    this.failing = false;
  }
}
