/**
 * Browser test support: builds the web app when it is older than its sources, launches Debian's
 * Chromium through playwright-core (headless, fake camera and microphone), and writes screenshots
 * to tests/artifacts/web/. A missing Chromium fails the test (run `bash .ci/setup`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Test } from 'uvu';
import type { RunningServer } from '../../server/app.ts';
import { removeDir, startTestServer, tempDir } from '../helpers/server.ts';
import { apiToken, call, signIn } from '../helpers/api.ts';
import { totpCode } from '../../server/security/auth/totp.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
export const ARTIFACTS = join(ROOT, 'tests', 'artifacts', 'web');
const CHROMIUM = '/usr/bin/chromium';
// What the app is built from: its own code and the server modules it imports (server/visits, the close codes).
const SOURCES = ['web', 'server/visits', 'server/sync/close-codes.ts', 'svelte.config.js', 'vite.config.ts'];

function newest(path: string): number {
  const full = join(ROOT, path);
  if (!existsSync(full)) return 0;
  const s = statSync(full);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(full).map((n) => newest(join(path, n))));
}

/** Runs `vite build` when build/web is missing or older than the app's sources (one build at a time). */
export async function ensureWebBuilt(): Promise<void> {
  const index = join(ROOT, 'build', 'web', 'index.html');
  const fresh = () => existsSync(index) && statSync(index).mtimeMs >= Math.max(...SOURCES.map(newest));
  if (fresh()) return;
  const lock = join(ROOT, 'build', '.web-build-lock');
  mkdirSync(join(ROOT, 'build'), { recursive: true });
  const deadline = Date.now() + 240_000;
  for (;;) {
    try { mkdirSync(lock); break; } catch {
      // A build killed half-way leaves its lock behind: older than any real build, it is stale.
      try { if (Date.now() - statSync(lock).mtimeMs > 180_000) rmdirSync(lock); } catch { /* raced with its owner */ }
      if (Date.now() > deadline) throw new Error('another web build held the lock for too long');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (fresh()) return;
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'error'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`web build failed:\n${r.stdout}\n${r.stderr}`);
  } finally {
    rmdirSync(lock);
  }
}

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (bash .ci/setup)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** A fresh context (its own sessionStorage), phone-sized when asked. */
export async function newPage(browser: Browser, opts: { phone?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: opts.phone ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    permissions: ['camera', 'microphone'],
  });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
  return { context, page };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

export interface WebEnv { server: RunningServer; browser: Browser }

/**
 * The setup every browser test file shares: before the suite, build the app if stale, start a
 * Rounds server on port 0 with its own data directory (and `serverEnv`, e.g. a short token lifetime)
 * and launch Chromium; after it, close both. `use` receives them once they exist.
 */
export function withServerAndBrowser(test: Test, use: (env: WebEnv) => void, serverEnv: Record<string, string> = {}): void {
  let dir = '';
  let env: Partial<WebEnv> = {};
  test.before(async () => {
    await ensureWebBuilt();
    dir = tempDir();
    env = { server: await startTestServer(dir, serverEnv), browser: await launch() };
    use(env as WebEnv);
  });
  test.after(async () => {
    await env.browser?.close();
    await env.server?.stop();
    removeDir(dir);
  });
}

/**
 * A fresh context signed in as a new local account (password + TOTP, created by an admin): the
 * session cookie is its only credential. Also returns the cookie, for calls made by the test.
 */
export async function signedInPage(env: WebEnv, username: string, role: string): Promise<{ context: BrowserContext; page: Page; cookie: string }> {
  const password = 'a long enough password for tests';
  const created = await call(env.server.url, 'POST', '/api/admin/users', await apiToken('ops-1', 'admin'), { username, role, password });
  if (created.status !== 201) throw new Error(`creating ${username} answered ${created.status}`);
  const { cookie } = await signIn(env.server.url, { username, password, code: await totpCode(created.json.totpSecret, Date.now()) });
  if (!cookie) throw new Error(`${username} could not sign in`);
  const { context, page } = await newPage(env.browser);
  // The server marks the cookie Secure; tests talk plain HTTP to 127.0.0.1, so the browser gets it without the flag.
  await context.addCookies([{ name: 'rounds_session', value: cookie, url: env.server.url, httpOnly: true, sameSite: 'Strict' }]);
  return { context, page, cookie };
}
