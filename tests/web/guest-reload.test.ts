/**
 * A reload does not lose a guest's room. The interpreter (whose invite cannot be redeemed twice)
 * and the patient (who should not check in again) come back to the live room with the room token
 * kept for the tab, renewed first; another tab of the same browser does not get it, and nothing
 * goes to localStorage. When the visit ends, both pages say so and the tab holds no token any
 * more: a reload then finds nothing to restore.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { token } from '../helpers/server.ts';
import { apiToken, call, visitBody } from '../helpers/api.ts';
import { newPage, screenshot, withServerAndBrowser, type WebEnv } from './browser.ts';

const test = suite('web: a reload keeps the guest\'s room');
let env: WebEnv;
withServerAndBrowser(test, (e) => { env = e; });

const stored = (page: Page, key: string) => page.evaluate((k) => sessionStorage.getItem(k), key);

/** The status of each call to `path` this page makes from now on. */
function watch(page: Page, path: string): number[] {
  const seen: number[] = [];
  page.on('response', (r) => { if (new URL(r.url()).pathname === path) seen.push(r.status()); });
  return seen;
}

test('interpreter and patient reload back into the room; once the visit ended the tab holds no token', async () => {
  const dr = await apiToken('dr-chen', 'clinician');
  const id = (await call(env.server.url, 'POST', '/api/visits', dr, visitBody())).json.id as string;

  // The interpreter joins by invite.
  const inv = (await call(env.server.url, 'POST', `/api/visits/${id}/invites`, dr, { role: 'interpreter', language: 'es' })).json;
  const interpreter = await newPage(env.browser, { phone: true });
  const ip = interpreter.page;
  const redeems = watch(ip, '/api/invites/redeem');
  const interpreterRenewals = watch(ip, `/api/visits/${id}/sync-token/renew`);
  await ip.goto(`${env.server.url}/join#invite=${encodeURIComponent(inv.token)}`);
  await ip.getByLabel('Your name').fill('Ana Intérprete');
  await ip.getByLabel('One-time code').fill(inv.code);
  await ip.getByRole('button', { name: 'Join' }).click();
  await ip.locator('[data-testid="sync-Room"][data-state="live"]').waitFor();
  const redeemed = await stored(ip, 'rounds.room');
  assert.ok(redeemed);
  assert.is(await stored(ip, 'rounds.invite'), null, 'the spent invite is not kept');

  // The patient checks in by link.
  const link = await token({ doc: `visit/${id}/room`, sub: 'pat-1', role: 'patient', access: 'read' });
  const patient = await newPage(env.browser, { phone: true });
  const pp = patient.page;
  const checkIns = watch(pp, `/api/visits/${id}/intake`);
  const patientRenewals = watch(pp, `/api/visits/${id}/sync-token/renew`);
  await pp.goto(`${env.server.url}/patient/${id}#token=${link}`);
  await pp.getByRole('checkbox', { name: /telehealth/ }).check();
  await pp.getByRole('button', { name: 'Check in' }).click();
  await pp.getByTestId('queue-position').filter({ hasText: 'next' }).waitFor();
  assert.ok(await stored(pp, 'rounds.room'));
  assert.equal(checkIns, [201]);
  // The interpreter sees the patient waiting.
  await ip.getByTestId('waiting').locator('li[data-participant="pat-1"]').waitFor();

  // Reload: back in the room, renewed once, no second redemption.
  const before = interpreterRenewals.length;
  await ip.reload();
  await ip.locator('[data-testid="sync-Room"][data-state="live"]').waitFor();
  await ip.getByTestId('joined').locator('strong', { hasText: 'Ana Intérprete' }).waitFor();
  await ip.getByTestId('roster').locator('li[data-role="interpreter"]', { hasText: 'Ana Intérprete' }).waitFor();
  await ip.getByTestId('waiting').locator('li[data-participant="pat-1"]').waitFor();
  assert.equal(interpreterRenewals.slice(before), [200]);
  assert.equal(redeems, [200], 'redeemed once, before the reload');
  const renewed = await stored(ip, 'rounds.room');
  assert.ok(renewed && renewed !== redeemed, 'the renewed token replaced the kept one');
  assert.is(await ip.evaluate(() => localStorage.length), 0, 'nothing in localStorage');
  await screenshot(ip, 'interpreter-after-reload');

  const patientBefore = patientRenewals.length;
  await pp.reload();
  await pp.getByTestId('queue-position').filter({ hasText: 'next' }).waitFor();
  await pp.locator('[data-testid="sync-Connection"][data-state="live"]').waitFor();
  assert.is(await pp.getByRole('button', { name: 'Check in' }).count(), 0, 'no second check-in');
  assert.equal(checkIns, [201], 'the answers were sent once, before the reload');
  assert.equal(patientRenewals.slice(patientBefore), [200]);
  assert.is(await pp.evaluate(() => localStorage.length), 0);

  // Another tab of the same browser does not get the interpreter's token.
  const other = await interpreter.context.newPage();
  await other.goto(`${env.server.url}/join`);
  await other.getByText('This page needs an invite link').waitFor();
  assert.is(await stored(other, 'rounds.room'), null);
  await other.close();

  // The visit ends: both pages say so, and neither tab holds a token any more.
  assert.is((await call(env.server.url, 'POST', `/api/visits/${id}/commands`, dr, { type: 'admit', participantId: 'pat-1' })).json.status, 'in-progress');
  await pp.getByTestId('in-call').waitFor();
  assert.is((await call(env.server.url, 'POST', `/api/visits/${id}/close`, dr, {})).status, 200);
  await ip.locator('[data-testid="guest-ended"][data-reason="visit-ended"]').waitFor();
  await ip.locator('[data-testid="sync-Room"][data-state="closed"]', { hasText: 'Visit ended' }).waitFor();
  await pp.locator('[data-testid="guest-ended"][data-reason="visit-ended"]').waitFor();
  await pp.locator('[data-testid="sync-Connection"][data-state="closed"]', { hasText: 'Visit ended' }).waitFor();
  await screenshot(ip, 'interpreter-visit-ended');
  await screenshot(pp, 'patient-visit-ended');
  for (const page of [ip, pp]) {
    assert.is(await stored(page, 'rounds.room'), null, 'the room token is gone');
    assert.is(await page.evaluate(() => localStorage.length), 0);
  }
  assert.is(await stored(pp, 'rounds.token'), null, 'the patient\'s link token is gone too');

  // A reload now finds nothing to restore (and asks nothing of the server).
  const afterEnd = interpreterRenewals.length;
  await ip.reload();
  await ip.getByText('This page needs an invite link').waitFor();
  await pp.reload();
  await pp.getByRole('alert').filter({ hasText: 'This page needs your visit link' }).waitFor();
  assert.is(interpreterRenewals.length, afterEnd);
  await interpreter.context.close();
  await patient.context.close();
});

test.run();
