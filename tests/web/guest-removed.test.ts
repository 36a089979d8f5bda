/**
 * A guest whom the clinical team removes is told so, in words that fit a guest (never "sign in"):
 * an interpreter who joined by invite and a patient who came by link each see the removal message
 * in place of the room, and the tab no longer holds their room token. A kept token presented
 * again after the removal (a reload) is refused by the server, and the page says why.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { token } from '../helpers/server.ts';
import { apiToken, call, visitBody } from '../helpers/api.ts';
import { newPage, screenshot, withServerAndBrowser, type WebEnv } from './browser.ts';

const test = suite('web: a removed guest is told so');
let env: WebEnv;
withServerAndBrowser(test, (e) => { env = e; });

const stored = (page: Page, key: string) => page.evaluate((k) => sessionStorage.getItem(k), key);

test('an interpreter removed by the clinician sees the removal message; the kept token is gone and refused', async () => {
  const dr = await apiToken('dr-chen', 'clinician');
  const id = (await call(env.server.url, 'POST', '/api/visits', dr, visitBody())).json.id as string;
  const inv = (await call(env.server.url, 'POST', `/api/visits/${id}/invites`, dr, { role: 'interpreter', language: 'es' })).json;
  const { context, page } = await newPage(env.browser, { phone: true });
  await page.goto(`${env.server.url}/join#invite=${encodeURIComponent(inv.token)}`);
  await page.getByLabel('Your name').fill('Ana Intérprete');
  await page.getByLabel('One-time code').fill(inv.code);
  await page.getByRole('button', { name: 'Join' }).click();
  await page.locator('[data-testid="sync-Room"][data-state="live"]').waitFor();
  const kept = await stored(page, 'rounds.room');
  assert.ok(kept, 'the room token is kept for the tab');

  const removed = await call(env.server.url, 'POST', `/api/visits/${id}/commands`, dr, { type: 'remove', participantId: `interpreter-${inv.id}` });
  assert.is(removed.status, 200);
  const ended = page.locator('[data-testid="guest-ended"][data-reason="removed"]');
  await ended.waitFor();
  await ended.locator('[data-testid="sync-Room"][data-state="closed"]', { hasText: 'Removed from the visit by the clinical team' }).waitFor();
  assert.match((await ended.textContent()) ?? '', /The clinical team removed you from this visit/);
  assert.not.match((await page.locator('main').textContent()) ?? '', /sign in/i);
  assert.is(await page.getByTestId('roster').count(), 0, 'the room is no longer shown');
  assert.is(await stored(page, 'rounds.room'), null, 'the token is gone from the tab');
  await screenshot(page, 'interpreter-removed');

  // Put back (as if the tab had kept it), the token is refused on reload: 403 ERR_REMOVED, said plainly.
  const renewals: number[] = [];
  page.on('response', (r) => { if (r.url().endsWith(`/api/visits/${id}/sync-token/renew`)) renewals.push(r.status()); });
  await page.evaluate((t) => sessionStorage.setItem('rounds.room', t), kept!);
  await page.reload();
  await page.locator('[data-testid="guest-ended"][data-reason="removed"]').waitFor();
  assert.equal(renewals, [403]);
  assert.is(await stored(page, 'rounds.room'), null, 'a refused token is removed');
  await context.close();
});

test('a patient removed from the waiting room sees the removal message; the link and room tokens are gone', async () => {
  const dr = await apiToken('dr-chen', 'clinician');
  const id = (await call(env.server.url, 'POST', '/api/visits', dr, visitBody())).json.id as string;
  const link = await token({ doc: `visit/${id}/room`, sub: 'pat-1', role: 'patient', access: 'read' });
  const { context, page } = await newPage(env.browser, { phone: true });
  await page.goto(`${env.server.url}/patient/${id}#token=${link}`);
  await page.getByRole('checkbox', { name: /telehealth/ }).check();
  await page.getByRole('button', { name: 'Check in' }).click();
  await page.getByTestId('queue-position').waitFor();
  assert.ok(await stored(page, 'rounds.room'));

  assert.is((await call(env.server.url, 'POST', `/api/visits/${id}/commands`, dr, { type: 'remove', participantId: 'pat-1' })).status, 200);
  await page.locator('[data-testid="sync-Connection"][data-state="closed"]', { hasText: 'Removed from the visit by the clinical team' }).waitFor();
  await page.locator('[data-testid="guest-ended"][data-reason="removed"]').waitFor();
  assert.not.match((await page.locator('main').textContent()) ?? '', /sign in/i);
  assert.is(await page.getByTestId('waiting-room').count(), 0);
  assert.is(await stored(page, 'rounds.room'), null);
  assert.is(await stored(page, 'rounds.token'), null);
  await screenshot(page, 'patient-removed');
  await context.close();
});

test.run();
