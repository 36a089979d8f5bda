/** Test support: a real Rounds server on port 0 with its own data directory, tokens, and y-websocket clients. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../server/config.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { mintToken, secretKey, type TokenClaims } from '../../server/auth/tokens.ts';

export const TEST_SECRET = 'test-secret-for-rounds-integration-tests-0123456789';

export function tempDir(prefix = 'rounds-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function testConfig(dataDir: string, extra: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test', PORT: '0', ROUNDS_DATA_DIR: dataDir, ROUNDS_TOKEN_SECRET: TEST_SECRET,
    ROUNDS_LOG_LEVEL: 'silent', ROUNDS_DOC_UNLOAD_MS: '200', ROUNDS_SQLITE_SYNCHRONOUS: 'NORMAL', ...extra,
  });
}

export async function startTestServer(dataDir: string, extra: Record<string, string> = {}, port?: number): Promise<RunningServer> {
  const cfg = testConfig(dataDir, extra);
  if (port !== undefined) cfg.port = port;
  return startServer(cfg, pino({ level: 'silent' }));
}

export function token(claims: Partial<TokenClaims> & { doc: string }, ttlSeconds = 600): Promise<string> {
  return mintToken(secretKey(TEST_SECRET), { sub: 'dr-test', role: 'clinician', access: 'write', ...claims }, ttlSeconds);
}

export function wsUrl(port: number): string {
  return `ws://127.0.0.1:${port}/sync`;
}

/** A stock y-websocket provider (ws polyfill, no BroadcastChannel), as the issue demands. */
export function provider(port: number, docName: string, tok: string, doc = new Y.Doc(), connect = true): WebsocketProvider {
  return new WebsocketProvider(wsUrl(port), docName, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: { token: tok },
    connect,
    maxBackoffTime: 200,
  });
}

export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function synced(p: WebsocketProvider): Promise<void> {
  if (p.synced) return Promise.resolve();
  return new Promise((resolve) => {
    const h = (s: boolean) => { if (s) { p.off('sync', h); resolve(); } };
    p.on('sync', h);
  });
}

export function destroyAll(...ps: WebsocketProvider[]): void {
  for (const p of ps) { p.doc.destroy(); p.destroy(); }
}

/**
 * Ends providers for good, including ones whose document was already destroyed through another
 * provider (a provider's own timers keep the process alive until `destroy()` is called).
 */
export function endAll(ps: Iterable<WebsocketProvider>): void {
  const list = [...ps].filter((p) => !ended.has(p));
  for (const p of list) {
    ended.add(p);
    try {
      p.destroy();
    } catch {
      // y-websocket's disconnect() throws once Yjs has changed the doc's clientID (it does when
      // another client used the same ID, e.g. a fuzzer): close the socket by hand.
      p.shouldConnect = false;
      p.ws?.close();
    }
  }
  for (const p of list) if (!p.doc.isDestroyed) p.doc.destroy();
}
const ended = new WeakSet<WebsocketProvider>();
