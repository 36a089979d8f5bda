/**
 * Sync tokens derived from a sign-in session last only a few seconds here (ROUNDS_SYNC_TOKEN_TTL_S,
 * the same setting that gives production its 5 minutes). A clinician who keeps typing stays live
 * across several expiries and every keystroke reaches another client exactly once; an idle page
 * lets its token lapse without renewing (the session is not kept alive), resumes on the next
 * input, and once the session has ended says to sign in again.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { destroyAll, provider, synced, token, waitFor } from '../helpers/server.ts';
import { apiToken, call, cookieCall, visitBody } from '../helpers/api.ts';
import { screenshot, signedInPage, withServerAndBrowser, type WebEnv } from './browser.ts';

const TTL_S = 5;
const test = suite('web: sync token renewal');
let env: WebEnv;
withServerAndBrowser(test, (e) => { env = e; }, { ROUNDS_SYNC_TOKEN_TTL_S: String(TTL_S) });

async function newVisit(): Promise<string> {
  const created = await call(env.server.url, 'POST', '/api/visits', await apiToken('dr-chen', 'clinician'), visitBody());
  assert.is(created.status, 201);
  return created.json.id as string;
}

/** How many sync tokens the page has asked its session for so far. */
function tokenRequests(page: Page): () => number {
  let n = 0;
  page.on('request', (r) => { if (r.url().endsWith('/api/auth/sync-token')) n += 1; });
  return () => n;
}

/** Records every state the page's sync badges move to from now on ("Note:live", …). */
async function recordStates(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seenStates: string[] }).seenStates = seen;
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as HTMLElement;
        seen.push(`${el.dataset.testid?.slice('sync-'.length)}:${el.dataset.state}`);
      }
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  });
  return () => page.evaluate(() => (window as unknown as { seenStates: string[] }).seenStates);
}

const plan = (id: string) => env.server.hub.read(`visit/${id}/note`, (d) => d.getText('plan').toString());

test('typing across several expiries: the note stays live and every keystroke arrives exactly once', async () => {
  const id = await newVisit();
  const { context, page } = await signedInPage(env, 'dr-kim', 'clinician');
  const requests = tokenRequests(page);
  const noteSockets: string[] = [];
  page.on('websocket', (ws) => { if (ws.url().includes('/note?')) noteSockets.push(ws.url()); });
  await page.goto(`${env.server.url}/clinician/${id}`);
  await page.locator('[data-testid="sync-Note"][data-state="live"]').waitFor();
  const states = await recordStates(page);
  // Another clinician's client, with a long-lived token of its own, follows the note.
  const other = provider(env.server.port, `visit/${id}/note`, await token({ doc: `visit/${id}/*`, sub: 'dr-chen' }));
  await synced(other);

  await page.locator('[data-testid="editor-plan"] .cm-content').click();
  let typed = '';
  const until = Date.now() + 3 * (TTL_S - 1) * 1000 + 500; // past three renewals (each at 3/4 of 4 s)
  for (let i = 0; Date.now() < until; i++) {
    const word = `w${i} `;
    await page.keyboard.type(word, { delay: 15 });
    typed += word;
    await page.waitForTimeout(100);
  }
  await waitFor(() => other.doc.getText('plan').toString() === typed, 'the other client to hold exactly what was typed', 10_000);
  assert.is(await plan(id), typed, 'the server holds exactly what was typed');
  assert.ok(requests() >= 4, `the first token and at least three renewals (${requests()})`);
  assert.ok(noteSockets.length >= 4, `reconnected with each new token (${noteSockets.length} note connections)`);
  assert.ok(new Set(noteSockets).size === noteSockets.length, 'each connection used a different token');
  const seen = await states();
  assert.equal(seen.filter((s) => !s.endsWith(':live')), [], 'the badges never left live');
  await page.locator('[data-testid="sync-Note"][data-state="live"]').waitFor();
  destroyAll(other);
  await context.close();
});

test('an idle page lets its token lapse, resumes on the next input, and says so when the session has ended', async () => {
  const id = await newVisit();
  const { context, page, cookie } = await signedInPage(env, 'dr-lee', 'clinician');
  const requests = tokenRequests(page);
  await page.goto(`${env.server.url}/clinician/${id}`);
  await page.locator('[data-testid="sync-Note"][data-state="live"]').waitFor();

  // Nobody touches the page: no renewal (the session is not kept alive), the token lapses (4006).
  const note = page.getByTestId('sync-Note');
  await page.locator('[data-testid="sync-Note"][data-state="idle"]').waitFor({ timeout: (TTL_S + 5) * 1000 });
  await page.locator('[data-testid="sync-Room"][data-state="idle"]').waitFor();
  assert.match((await note.textContent()) ?? '', /Paused while you were away/);
  assert.is(requests(), 1, 'only the first token was fetched');
  await screenshot(page, 'clinician-idle-paused');

  // The next input renews through the live session; what is typed arrives.
  await page.locator('[data-testid="editor-plan"] .cm-content').click();
  await page.keyboard.type('Back.');
  await page.locator('[data-testid="sync-Note"][data-state="live"]').waitFor();
  await waitFor(async () => (await plan(id)) === 'Back.', 'the edit made on resuming to reach the server');
  assert.ok(requests() >= 2);

  // Idle again; meanwhile the session ends (signed out elsewhere): the next input finds it gone.
  await page.locator('[data-testid="sync-Note"][data-state="idle"]').waitFor({ timeout: 3 * TTL_S * 1000 });
  assert.is((await cookieCall(env.server.url, cookie, 'POST', '/api/auth/logout')).status, 200);
  await page.locator('[data-testid="editor-plan"] .cm-content').click();
  await page.locator('[data-testid="sync-Note"][data-state="closed"]', { hasText: 'Session ended — sign in again' }).waitFor();
  await page.locator('[data-testid="sync-Room"][data-state="closed"]').waitFor();
  await screenshot(page, 'clinician-session-ended');
  await context.close();
});

test.run();
