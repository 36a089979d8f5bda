/**
 * The visible sync status: a clinician goes offline, keeps typing (the badge says the edits are
 * pending), comes back, and the edits reach the server. Then the visit is closed from the console,
 * which shows the produced Encounter and billing summary and turns the other page read-only.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { token } from '../helpers/server.ts';
import { apiToken, call, visitBody } from '../helpers/api.ts';
import type { RunningServer } from '../../server/app.ts';
import { newPage, screenshot, withServerAndBrowser } from './browser.ts';

const test = suite('web: sync status and closing');
let server: RunningServer;
let browser: Browser;
withServerAndBrowser(test, (env) => ({ server, browser } = env));

test('offline edits are shown as pending and arrive after reconnecting; close shows the records', async () => {
  const api = await apiToken('dr-chen', 'clinician');
  const created = await call(server.url, 'POST', '/api/visits', api, visitBody());
  assert.is(created.status, 201);
  const id = created.json.id as string;
  const { context, page } = await newPage(browser);
  await page.goto(`${server.url}/clinician/${id}#token=${await token({ doc: `visit/${id}/*`, sub: 'dr-chen', role: 'clinician' })}&api=${api}`);
  const note = page.getByTestId('sync-Note');
  await page.locator('[data-testid="sync-Note"][data-state="live"]').waitFor();

  await context.setOffline(true);
  await page.locator('[data-testid="sync-Note"][data-state="offline"]').waitFor();
  await page.locator('[data-testid="editor-plan"] .cm-content').click();
  await page.keyboard.type('Recheck in two weeks.');
  await note.filter({ hasText: /will be sent when back online/ }).waitFor();
  await screenshot(page, 'clinician-offline-pending');
  const before = await server.hub.read(`visit/${id}/note`, (d) => d.getText('plan').toString());
  assert.is(before, '', 'nothing reached the server while offline');

  await context.setOffline(false);
  await page.locator('[data-testid="sync-Note"][data-state="live"]').waitFor();
  const deadline = Date.now() + 30_000;
  let after = '';
  while (!(after = await server.hub.read(`visit/${id}/note`, (d) => d.getText('plan').toString())).includes('Recheck in two weeks.')) {
    if (Date.now() > deadline) throw new Error(`offline edit never arrived: "${after}"`);
    await page.waitForTimeout(50);
  }

  // The patient checks in; the clinician admits them from the live queue, which starts the visit.
  const pat = await token({ doc: `visit/${id}/room`, sub: 'pat-1', role: 'patient', access: 'read' });
  assert.is((await call(server.url, 'POST', `/api/visits/${id}/commands`, pat, { type: 'checkIn', participantId: 'pat-1', displayName: 'Pat One' })).status, 200);
  await page.getByRole('button', { name: 'Admit Pat One' }).click();
  await page.getByTestId('visit-status').filter({ hasText: 'in-progress' }).waitFor();

  // Close from the console: the Encounter and the billing summary appear; the note is frozen.
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Close visit' }).click();
  await page.getByTestId('encounter').first().waitFor();
  assert.match((await page.getByTestId('encounter').first().textContent()) ?? '', /status finished/);
  await page.getByTestId('billing-summary').waitFor();
  await note.filter({ hasText: 'Visit closed' }).waitFor();
  await page.getByTestId('visit-status').filter({ hasText: 'closed' }).waitFor();
  await screenshot(page, 'clinician-closed-visit');

  // Billing staff see the charges view, never the note.
  const billing = await newPage(browser);
  await billing.page.goto(`${server.url}/billing/${id}#api=${await apiToken('bill-1', 'billing')}`);
  await billing.page.getByTestId('billing-summary').waitFor();
  assert.not.ok((await billing.page.content()).includes('Recheck in two weeks'));
  await screenshot(billing.page, 'billing-view');
  await billing.context.close();
  await context.close();
});

test.run();
