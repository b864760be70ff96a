import { fork, type ChildProcess } from 'node:child_process';

/** Request is a coordinator -> load-process command. */
interface Request {
  id: number;
  cmd: string;
  args: unknown;
}

/** Reply answers one request by id: a result or an error message. */
interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

/**
 * LoadProcess is a child process of the load generator (clients or publisher) driven by request/reply
 * over the IPC channel. Its pid is known so that its CPU time can be reported beside the server's.
 */
export class LoadProcess {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(file: URL) {
    this.child = fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: Reply) => {
      const w = this.waiting.get(m.id);
      if (w === undefined) return;
      this.waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.result);
    });
    this.child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`load process exited with ${code}`));
      this.waiting.clear();
    });
  }

  /** pid is the child's process id. */
  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** call sends a command and resolves with the child's result. */
  call<T>(cmd: string, args: unknown = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, args } satisfies Request);
    });
  }

  /** kill ends the child. */
  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** serve answers the coordinator's commands in a child process with the given handlers. */
export function serve(handlers: Record<string, (args: never) => unknown>): void {
  process.on('message', (m: Request) => {
    const handler = handlers[m.cmd];
    Promise.resolve()
      .then(() => {
        if (handler === undefined) throw new Error(`unknown command ${m.cmd}`);
        return handler(m.args as never);
      })
      .then(
        (result) => process.send!({ id: m.id, result } satisfies Reply),
        (err: unknown) => process.send!({ id: m.id, error: String((err as Error)?.stack ?? err) } satisfies Reply),
      );
  });
  process.on('disconnect', () => process.exit(0));
}
