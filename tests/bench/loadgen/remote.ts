/** The orchestrator's handle on the load generator process (see loadgen/main.ts for the ops). */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinned, pinning } from '../pinning.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/** Extra node flags for the load generator (e.g. `--cpu-prof`), set by `run.ts --cpu-prof`. */
export const loadgenNodeArgs: string[] = [];

interface Reply { id: number; ok: boolean; result?: unknown; error?: string }

export class LoadGen {
  #child: ChildProcess;
  #next = 1;
  #pending = new Map<number, { op: string; resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #exited: Promise<void>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (m: Reply) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(`${p.op}: ${m.error ?? 'load generator error'}`));
    });
    this.#exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      for (const p of this.#pending.values()) p.reject(new Error(`load generator exited (${code ?? signal})`));
      this.#pending.clear();
      resolve();
    }));
  }

  static start(): Promise<LoadGen> {
    // fork runs `execPath execArgv MAIN`: pinned, that is `taskset -c LIST node ... MAIN`.
    const node = pinned(pinning.loadgen, process.execPath, [...loadgenNodeArgs, '--import', 'tsx']);
    const child = fork(MAIN, [], { execPath: node.file, execArgv: node.args, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve(new LoadGen(child)));
      child.once('exit', (code) => reject(new Error(`load generator did not start (exit ${code})`)));
    });
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Runs one op in the load generator; rejects if it has not answered within `timeoutMs`. */
  call<T>(op: string, args?: unknown, timeoutMs = 300_000): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${op}: no answer from the load generator within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.#pending.set(id, {
        op,
        resolve: (v) => { clearTimeout(timer); resolve(v as T); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.#child.send({ id, op, args });
    });
  }

  async close(): Promise<void> {
    if (!this.alive) return;
    this.#child.disconnect();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await this.#exited;
    clearTimeout(timer);
  }
}
