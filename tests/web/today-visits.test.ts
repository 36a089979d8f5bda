/**
 * Today's visits in the clinician console: a signed-in clinician sees the day's visits (not
 * tomorrow's) with patient names and moves between their consoles; a clinician who came in
 * through one visit's link sees the list too, and is told plainly that the link opens only that
 * visit.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { token } from '../helpers/server.ts';
import { apiToken, call, visitBody } from '../helpers/api.ts';
import type { RunningServer } from '../../server/app.ts';
import { newPage, screenshot, signedInPage, withServerAndBrowser } from './browser.ts';

const test = suite('web: today\'s visits in the console');
let server: RunningServer;
let browser: Browser;
withServerAndBrowser(test, (env) => ({ server, browser } = env));

test('the day list links each visit; a session moves between consoles, a single-visit link says why not', async () => {
  const dr = await apiToken('dr-chen', 'clinician');
  // Starting now: the browser's local day is the same one unless the test runs across midnight.
  const now = Date.now();
  const at = (ms: number) => ({ scheduledStart: new Date(ms).toISOString(), scheduledEnd: new Date(ms + 30 * 60_000).toISOString() });
  const mk = async (over: Record<string, unknown>) => (await call(server.url, 'POST', '/api/visits', dr, visitBody(over))).json.id as string;
  const a = await mk({ ...at(now), patients: [{ id: 'pat-a', displayName: 'Alma Early' }] });
  const b = await mk({ ...at(now + 60_000), patients: [{ id: 'pat-b', displayName: 'Bo Later' }] });
  await mk({ ...at(now + 3 * 86_400_000), patients: [{ id: 'pat-c', displayName: 'Cy Future' }] });

  // A signed-in clinician (password + TOTP): the session cookie is the only credential.
  const signedIn = await signedInPage({ server, browser }, 'dr-kim', 'clinician');
  await signedIn.page.goto(`${server.url}/clinician`);
  const list = signedIn.page.getByTestId('today-visits');
  await list.locator(`li[data-visit="${a}"]`, { hasText: 'Alma Early' }).waitFor();
  await list.locator(`li[data-visit="${b}"]`, { hasText: 'Bo Later' }).waitFor();
  assert.is(await list.locator('li').count(), 2);
  assert.not.ok(((await list.textContent()) ?? '').includes('Cy Future'));
  assert.is(await list.locator(`li[data-visit="${b}"] a`).getAttribute('href'), `/clinician/${b}`);
  await screenshot(signedIn.page, 'clinician-today');

  await list.locator(`li[data-visit="${b}"] a`).click();
  await signedIn.page.waitForURL(`${server.url}/clinician/${b}`);
  await signedIn.page.locator('[data-testid="sync-Room"][data-state="live"]').waitFor();
  await signedIn.page.getByRole('heading', { name: 'Visit with Bo Later' }).waitFor();
  await signedIn.page.getByTestId('today-visits').locator(`li[data-visit="${b}"][aria-current="page"]`).waitFor();
  await signedIn.context.close();

  // Through visit A's link (no session): the list is there; visit B needs its own link.
  const linked = await newPage(browser);
  const t = await token({ doc: `visit/${a}/*`, sub: 'dr-chen', role: 'clinician' });
  await linked.page.goto(`${server.url}/clinician/${a}#token=${t}&api=${dr}`);
  await linked.page.locator('[data-testid="sync-Room"][data-state="live"]').waitFor();
  const side = linked.page.getByTestId('today-visits');
  await side.locator(`li[data-visit="${a}"][aria-current="page"]`, { hasText: 'Alma Early' }).waitFor();
  await side.locator(`li[data-visit="${b}"] a`).click();
  await linked.page.waitForURL(`${server.url}/clinician/${b}`);
  await linked.page.getByRole('alert').filter({ hasText: 'Your link opens another visit' }).waitFor();
  assert.is(await linked.page.locator('[data-testid="sync-Room"]').count(), 0);
  await linked.context.close();
});

test.run();
