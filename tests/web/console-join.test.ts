/**
 * Opening the visit console joins the clinician to the visit's participants. A second tab (already
 * present) changes nothing and says nothing; a join the server fails leaves them off the list,
 * and the page says so instead of swallowing it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { token } from '../helpers/server.ts';
import { apiToken, call, visitBody } from '../helpers/api.ts';
import type { RunningServer } from '../../server/app.ts';
import { readRoster } from '../../server/visits/room-doc.ts';
import { newPage, withServerAndBrowser } from './browser.ts';

const test = suite('web: the console joins the visit');
let server: RunningServer;
let browser: Browser;
withServerAndBrowser(test, (env) => ({ server, browser } = env));

test('a second console joins nothing twice and warns of nothing; a failed join is shown', async () => {
  const api = await apiToken('dr-chen', 'clinician');
  const created = await call(server.url, 'POST', '/api/visits', api, visitBody());
  assert.is(created.status, 201);
  const id = created.json.id as string;
  const url = `${server.url}/clinician/${id}#token=${await token({ doc: `visit/${id}/*`, sub: 'dr-chen', role: 'clinician' })}&api=${api}`;
  const present = async () => (await server.hub.read(`visit/${id}/room`, readRoster)).filter((e) => e.id === 'dr-chen' && e.intervals.at(-1)?.leave === undefined);

  /** Opens the console in a new tab and resolves with the status of its join. */
  const open = async (): Promise<{ page: Page; status: number }> => {
    const { page } = await newPage(browser);
    const join = page.waitForResponse((r) => r.url().endsWith(`/api/visits/${id}/commands`) && (r.request().postData() ?? '').includes('"join"'));
    await page.goto(url);
    return { page, status: (await join).status() };
  };

  const first = await open();
  assert.is(first.status, 200);
  assert.is((await present()).length, 1, 'listed once');

  // The same clinician in a second tab: already present, refused (409), nothing shown.
  const second = await open();
  assert.is(second.status, 409);
  await second.page.getByTestId('visit-status').waitFor();
  assert.is(await second.page.getByTestId('join-warning').count(), 0, 'nothing is shown for it');
  assert.is((await present()).length, 1, 'still listed once');

  // A join the server fails (as when its store is unavailable) is shown.
  const { page } = await newPage(browser);
  await page.route(`**/api/visits/${id}/commands`, (r) => r.fulfill({
    status: 503, contentType: 'application/json',
    body: JSON.stringify({ error: { code: 'ERR_STORE_UNAVAILABLE', message: 'the change could not be committed' } }),
  }));
  await page.goto(url);
  const warning = page.getByTestId('join-warning');
  await warning.waitFor();
  assert.match((await warning.textContent()) ?? '', /others do not see you in it: the change could not be committed \(ERR_STORE_UNAVAILABLE\)/);
});

test.run();
