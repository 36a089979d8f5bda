/**
 * The servers under test, each in its own child process:
 *   rounds      `node --import tsx server/main.ts`, durable SQLite (ROUNDS_SQLITE_SYNCHRONOUS
 *               default FULL), default settings, logging off
 *   yws         the reference `@y/websocket-server` 0.1.1, its own bin (in memory)
 *   hocuspocus  `@hocuspocus/server` 3.4.4 + `@hocuspocus/extension-sqlite` (servers/hocuspocus.ts)
 * A process is ready when it prints its listening line; nothing is waited for by sleeping.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mintToken, secretKey } from '../../server/auth/tokens.ts';
import type { ServerKind, Target } from './loadgen/client.ts';
import { pinned, pinning } from './pinning.ts';
import { rssBytes } from './procstat.ts';

export type { ServerKind } from './loadgen/client.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const SERVER_KINDS: readonly ServerKind[] = ['rounds', 'yws', 'hocuspocus'];

export const SERVER_LABEL: Record<ServerKind, string> = {
  rounds: 'Rounds (durable SQLite)',
  yws: '@y/websocket-server 0.1.1 (in memory)',
  hocuspocus: '@hocuspocus/server 3.4.4 + SQLite',
};

export const SHORT_LABEL: Record<ServerKind, string> = { rounds: 'Rounds', yws: 'y-websocket-server', hocuspocus: 'Hocuspocus' };

/** Whether a restarted process still has what was written before (in-memory servers do not). */
export const PERSISTENT: Record<ServerKind, boolean> = { rounds: true, yws: false, hocuspocus: true };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** A token for every `bench/...` document on Rounds (the peers ignore it). */
export function benchToken(secret: string): Promise<string> {
  return mintToken(secretKey(secret), { sub: 'bench', role: 'clinician', doc: 'bench/*', access: 'write' }, 3600);
}

/** Extra node flags for every server process (e.g. `--cpu-prof`), set by `run.ts --cpu-prof`. */
export const serverNodeArgs: string[] = [];

/** Rounds serves GET /metrics to the load generator with this token. */
const BENCH_METRICS_TOKEN = 'bench-metrics-token-0123456789';

function command(kind: ServerKind, port: number, dataDir: string, secret: string): { args: string[]; env: NodeJS.ProcessEnv; ready: RegExp } {
  const base = { ...process.env, HOST: '127.0.0.1', PORT: String(port) };
  switch (kind) {
    case 'rounds':
      return {
        args: ['--import', 'tsx', 'server/main.ts'],
        env: { ...base, NODE_ENV: undefined, ROUNDS_DATA_DIR: dataDir, ROUNDS_TOKEN_SECRET: secret, ROUNDS_LOG_LEVEL: 'silent', ROUNDS_METRICS_TOKEN: BENCH_METRICS_TOKEN },
        ready: /Rounds is running at/,
      };
    case 'yws':
      return { args: ['node_modules/@y/websocket-server/src/server.js'], env: base, ready: /running at/ };
    case 'hocuspocus':
      return {
        args: ['--import', 'tsx', 'tests/bench/servers/hocuspocus.ts'],
        env: { ...base, BENCH_DB_FILE: join(dataDir, 'hocuspocus.sqlite') },
        ready: /hocuspocus listening/,
      };
  }
}

/** Every server process still running, so an interrupted run can kill them on the way out. */
const running = new Set<ChildProcess>();

/** Kills every server process this run started (for exit and signal handlers). */
export function killAllServers(): void {
  killServersExcept(new Set());
}

/** The server processes running now (to kill, later, only those started after this point). */
export function runningServers(): Set<ChildProcess> {
  return new Set(running);
}

export function killServersExcept(keep: Set<ChildProcess>): void {
  for (const c of [...running]) if (!keep.has(c)) { c.kill('SIGKILL'); running.delete(c); }
}

process.on('exit', killAllServers);

export class ServerProcess {
  #child: ChildProcess;
  #exited: Promise<number | null>;
  #lines: string[] = [];
  #lineWaiters: { re: RegExp; left: number; resolve: (line: string) => void }[] = [];
  #stderr = '';

  private constructor(readonly kind: ServerKind, readonly port: number, readonly dataDir: string, readonly secret: string, readonly token: string) {
    const c = command(kind, port, dataDir, secret);
    const cmd = pinned(pinning.server, process.execPath, [...serverNodeArgs, ...c.args]);
    this.#child = spawn(cmd.file, cmd.args, { cwd: ROOT, env: c.env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(this.#child);
    this.#exited = new Promise((resolve) => this.#child.once('exit', (code) => { running.delete(this.#child); resolve(code); }));
    let partial = '';
    this.#child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) this.#line(line);
    });
    this.#child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });
  }

  /** Starts a server; a fresh data directory unless `dataDir` is given (a restart). */
  static async start(kind: ServerKind, o: { secret: string; token: string; port?: number; dataDir?: string }): Promise<ServerProcess> {
    const port = o.port ?? (await freePort());
    const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), `rounds-bench-${kind}-`));
    const p = new ServerProcess(kind, port, dataDir, o.secret, o.token);
    const ready = command(kind, port, dataDir, o.secret).ready;
    const outcome = await Promise.race([
      p.waitForLine(ready, 30_000).then(() => 'ready' as const),
      p.#exited.then((code) => `exited with code ${code}` as const),
    ]);
    if (outcome !== 'ready') throw new Error(`${kind} did not start (${outcome}): ${p.#stderr.trim().slice(-1000)}`);
    return p;
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  get target(): Target {
    return { kind: this.kind, host: '127.0.0.1', port: this.port, token: this.token, ...(this.kind === 'rounds' ? { secret: this.secret, metricsToken: BENCH_METRICS_TOKEN } : {}) };
  }

  get stderr(): string {
    return this.#stderr;
  }

  rss(): number | null {
    return rssBytes(this.pid);
  }

  #line(line: string): void {
    this.#lines.push(line);
    this.#lineWaiters = this.#lineWaiters.filter((w) => (w.re.test(line) && --w.left === 0 ? (w.resolve(line), false) : true));
  }

  /** Resolves once the `nth` stdout line matching `re` has been printed (lines already printed count). */
  waitForLine(re: RegExp, timeoutMs: number, nth = 1): Promise<string> {
    const seen = this.#lines.filter((l) => re.test(l));
    if (seen.length >= nth) return Promise.resolve(seen[nth - 1]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.kind}: no line matching ${re} within ${timeoutMs} ms`)), timeoutMs);
      this.#lineWaiters.push({ re, left: nth - seen.length, resolve: (l) => { clearTimeout(timer); resolve(l); } });
    });
  }

  /** SIGTERM (graceful: Rounds and Hocuspocus store what they hold), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 15_000);
    await this.#exited;
    clearTimeout(timer);
  }

  /** `kill -9`: no chance to write anything. */
  async kill9(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGKILL');
    await this.#exited;
  }

  /** A new process of the same kind on the same port and data directory. */
  restart(): Promise<ServerProcess> {
    return ServerProcess.start(this.kind, { secret: this.secret, token: this.token, port: this.port, dataDir: this.dataDir });
  }

  /** Stops the process (gracefully when profiling, so the profile gets written) and deletes its data directory. */
  async dispose(): Promise<void> {
    if (serverNodeArgs.length > 0) await this.stop();
    await this.kill9();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
