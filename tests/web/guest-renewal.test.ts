/**
 * A patient's link token renews itself (POST /api/visits/:id/sync-token/renew) while the patient
 * is active or the room is in view: the link here lasts a few seconds, and a patient who keeps
 * using the page, or just keeps it open in view (waiting, watching a call), stays live in the
 * waiting room across several expiries, each reconnect with a new token. Out of view and idle,
 * the token lapses (nothing renews it), and the next input finds it expired: the page says to
 * open the link again.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { token } from '../helpers/server.ts';
import { apiToken, call, visitBody } from '../helpers/api.ts';
import { newPage, screenshot, withServerAndBrowser, type WebEnv } from './browser.ts';

const TTL_S = 6;
const test = suite('web: guest token renewal');
let env: WebEnv;
withServerAndBrowser(test, (e) => { env = e; });

/** Keeps pressing a key that types nothing (the page counts it as activity) until `ms` have passed. */
async function keepActive(page: Page, ms: number): Promise<void> {
  for (const until = Date.now() + ms; Date.now() < until;) {
    await page.keyboard.press('Shift');
    await page.waitForTimeout(300);
  }
}

test('an active patient, then one who only keeps the page in view, stays live across expiries; out of view and idle, the link lapses and the page says so', async () => {
  const created = await call(env.server.url, 'POST', '/api/visits', await apiToken('dr-chen', 'clinician'), visitBody());
  assert.is(created.status, 201);
  const id = created.json.id as string;
  const link = await token({ doc: `visit/${id}/room`, sub: 'pat-1', role: 'patient', access: 'read' }, TTL_S);

  const { context, page } = await newPage(env.browser, { phone: true });
  const renewals: number[] = [];
  page.on('response', (r) => { if (r.url().endsWith(`/api/visits/${id}/sync-token/renew`)) renewals.push(r.status()); });
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await page.goto(`${env.server.url}/patient/${id}#token=${link}`);
  await page.getByLabel('Your full name').waitFor();
  await page.getByRole('checkbox', { name: /telehealth/ }).check();
  await page.getByRole('button', { name: 'Check in' }).click();
  const badge = page.getByTestId('sync-Connection');
  await page.locator('[data-testid="sync-Connection"][data-state="live"]').waitFor();
  await page.getByTestId('queue-position').waitFor();

  // Active past three lifetimes: renewed each time, the badge never leaves live, still in the queue.
  await page.evaluate(() => {
    const seen: string[] = ((window as unknown as { seen: string[] }).seen = []);
    const el = document.querySelector('[data-testid="sync-Connection"]')!;
    new MutationObserver(() => seen.push((el as HTMLElement).dataset.state ?? '')).observe(el, { attributes: true, attributeFilter: ['data-state'] });
  });
  await keepActive(page, 3 * TTL_S * 1000);
  assert.equal(await page.evaluate(() => (window as unknown as { seen: string[] }).seen.filter((s) => s !== 'live')), [], 'the badge never left live');
  assert.ok(renewals.length >= 3, `renewed at least three times (${renewals.length})`);
  assert.ok(renewals.every((s) => s === 200), `every renewal succeeded (${renewals.join(', ')})`);
  assert.ok(sockets.length >= 3 && new Set(sockets).size === sockets.length, `each reconnect used a new token (${sockets.length} connections)`);
  await page.locator('[data-testid="sync-Connection"][data-state="live"]').waitFor();
  await page.getByTestId('queue-position').filter({ hasText: 'next' }).waitFor();

  // No input, the page in view: still renewed, still live.
  const beforeQuiet = renewals.length;
  await page.waitForTimeout(2 * TTL_S * 1000);
  assert.equal(await page.evaluate(() => (window as unknown as { seen: string[] }).seen.filter((s) => s !== 'live')), [], 'in view without input: still live');
  assert.ok(renewals.length >= beforeQuiet + 2, `renewed while in view without input (${renewals.length - beforeQuiet})`);
  assert.ok(renewals.every((s) => s === 200));

  // Out of view (another tab or app) and idle: the token lapses without renewal: the page pauses.
  // (A string: functions passed to evaluate get the test loader's name helpers, unknown to the page.)
  await page.evaluate(`Object.defineProperty(document, 'visibilityState', { configurable: true, value: 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));`);
  await page.locator('[data-testid="sync-Connection"][data-state="idle"]').waitFor({ timeout: 2 * (TTL_S + 5) * 1000 });
  assert.match((await badge.textContent()) ?? '', /Paused while you were away/);
  const idle = renewals.length;
  // The next input tries once; an expired link token cannot be renewed (401 ERR_TOKEN_EXPIRED).
  await page.keyboard.press('Shift');
  await page.locator('[data-testid="sync-Connection"][data-state="closed"]', { hasText: 'Session expired — open your link again' }).waitFor();
  assert.equal(renewals.slice(idle), [401]);
  await screenshot(page, 'patient-link-lapsed');
  await context.close();
});

test.run();
