/**
 * Test support: the real `npm start` entry point (`node --import tsx server/main.ts`) as a child
 * process, for crash, signal and startup tests. Children are killed when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { TEST_SECRET } from './server.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const live = new Set<ChildProcess>();
process.on('exit', () => { for (const c of live) c.kill('SIGKILL'); });

export interface Exit { code: number | null; signal: NodeJS.Signals | null }

export interface ChildServer {
  proc: ChildProcess;
  port: number;
  url: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
  signal(sig: NodeJS.Signals): void;
}

/** The environment a child gets: only what is named here (plus PATH/HOME), nothing inherited by accident. */
export function childEnv(env: Record<string, string | undefined>): Record<string, string> {
  const base: Record<string, string | undefined> = {
    PATH: process.env.PATH, HOME: process.env.HOME,
    NODE_ENV: 'test', PORT: '0', ROUNDS_TOKEN_SECRET: TEST_SECRET, ROUNDS_LOG_LEVEL: 'silent',
    ...env,
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) out[k] = v;
  return out;
}

function launch(env: Record<string, string | undefined>): { proc: ChildProcess; out: () => string; err: () => string; exited: Promise<Exit> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = new Promise<Exit>((resolve) => {
    proc.once('exit', (code, signal) => { live.delete(proc); resolve({ code, signal }); });
  });
  return { proc, out: () => out, err: () => err, exited };
}

/** A GET without keep-alive (nothing lingers after the answer), resolving with status, type and body. */
export function httpGet(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    }).on('error', reject);
  });
}

/**
 * Starts the server and resolves once it printed its URL and answered /healthz; rejects (with its
 * stderr) if it exits first. Waiting for /healthz matters: main.ts prints the URL before it
 * installs its SIGTERM/SIGINT handlers, so a signal sent the moment the line appears can still
 * meet the default action (seen in 2 of 3 immediate signals in one run).
 */
export async function spawnServer(env: Record<string, string | undefined>, timeoutMs = 20_000): Promise<ChildServer> {
  const c = launch(env);
  const started = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => { c.proc.kill('SIGKILL'); reject(new Error(`server did not start in ${timeoutMs} ms: ${c.err()}`)); }, timeoutMs);
    const check = () => {
      const m = /running at (http:\/\/[^\s:]+:(\d+))/.exec(c.out());
      if (!m) return;
      clearTimeout(timer);
      c.proc.stdout!.off('data', check);
      resolve({ url: m[1]!, port: Number(m[2]) });
    };
    c.proc.stdout!.on('data', check);
    void c.exited.then((e) => { clearTimeout(timer); reject(new Error(`server exited (${e.code ?? e.signal}) before listening: ${c.err()}`)); });
  });
  const health = await httpGet(`${started.url}/healthz`);
  if (health.status !== 200) throw new Error(`/healthz answered ${health.status}: ${health.body}`);
  return {
    proc: c.proc, port: started.port, url: started.url, stdout: c.out, stderr: c.err, exited: c.exited,
    signal: (sig) => { c.proc.kill(sig); },
  };
}

/** Runs the server expecting it to refuse to start; resolves with its exit and output. */
export async function runToExit(env: Record<string, string | undefined>, timeoutMs = 20_000): Promise<Exit & { stdout: string; stderr: string }> {
  const c = launch(env);
  const timer = setTimeout(() => c.proc.kill('SIGKILL'), timeoutMs);
  const e = await c.exited;
  clearTimeout(timer);
  return { ...e, stdout: c.out(), stderr: c.err() };
}
