/**
 * Two clinicians type into the same note section at the same time in real browsers: both end with
 * identical text containing both inputs (and the server holds the same text), and each sees the
 * other's cursor with their name.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { token } from '../helpers/server.ts';
import { apiToken, call, visitBody } from '../helpers/api.ts';
import type { RunningServer } from '../../server/app.ts';
import { newPage, screenshot, withServerAndBrowser } from './browser.ts';

const test = suite('web: clinicians co-edit the note');
let server: RunningServer;
let browser: Browser;
withServerAndBrowser(test, (env) => ({ server, browser } = env));

async function clinicianUrl(visitId: string, sub: string): Promise<string> {
  const t = await token({ doc: `visit/${visitId}/*`, sub, role: 'clinician' });
  const api = await apiToken(sub, 'clinician');
  return `${server.url}/clinician/${visitId}#token=${t}&api=${api}`;
}

/** The section's text as the editor shows it, without remote cursor widgets. */
function editorText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const root = document.querySelector('[data-testid="editor-hpi"] .cm-content');
    if (!root) return '';
    const copy = root.cloneNode(true) as HTMLElement;
    for (const w of copy.querySelectorAll('.cm-ySelectionCaret, .cm-ySelectionInfo, .cm-widgetBuffer')) w.remove();
    return [...copy.querySelectorAll('.cm-line')].map((l) => l.textContent ?? '').join('\n');
  });
}

async function waitForText(page: Page, ok: (t: string) => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!ok(await editorText(page))) {
    if (Date.now() > deadline) throw new Error(`editor never showed the expected text: ${await editorText(page)}`);
    await page.waitForTimeout(50);
  }
}

test('concurrent typing converges with both inputs; each sees the other cursor and name', async () => {
  const created = await call(server.url, 'POST', '/api/visits', await apiToken('dr-chen', 'clinician'),
    visitBody({ clinicians: [{ id: 'dr-chen', name: 'Dr Chen' }, { id: 'dr-ali', name: 'Dr Ali' }] }));
  assert.is(created.status, 201);
  const id = created.json.id as string;
  const a = await newPage(browser);
  const b = await newPage(browser);
  await Promise.all([a.page.goto(await clinicianUrl(id, 'dr-chen')), b.page.goto(await clinicianUrl(id, 'dr-ali'))]);
  for (const p of [a.page, b.page]) await p.locator('[data-testid="sync-Note"][data-state="live"]').waitFor();
  // The token left the address bar once captured.
  assert.not.ok(a.page.url().includes('token='));

  const editorA = a.page.locator('[data-testid="editor-hpi"] .cm-content');
  const editorB = b.page.locator('[data-testid="editor-hpi"] .cm-content');
  await editorA.click();
  await editorB.click();
  await Promise.all([
    a.page.keyboard.type('Cough for three days. ', { delay: 15 }),
    b.page.keyboard.type('No fever reported. ', { delay: 15 }),
  ]);
  const both = (t: string) => t.includes('Cough for three days.') && t.includes('No fever reported.');
  await waitForText(a.page, both);
  await waitForText(b.page, both);
  const textA = await editorText(a.page);
  const textB = await editorText(b.page);
  assert.ok(textA && both(textA), `A has both inputs: ${textA}`);
  assert.is(textA, textB, 'both pages hold identical text');
  // Durable on the server: the committed document has the same text.
  const serverText = await server.hub.read(`visit/${id}/note`, (doc) => doc.getText('hpi').toString());
  assert.is(serverText, textA);

  // Remote cursors carry the other clinician's name.
  await a.page.locator('.cm-ySelectionInfo', { hasText: 'Dr Ali' }).first().waitFor({ state: 'attached' });
  await b.page.locator('.cm-ySelectionInfo', { hasText: 'Dr Chen' }).first().waitFor({ state: 'attached' });
  await screenshot(a.page, 'clinician-console');
  // The console works on a phone: one column, nothing wider than the screen.
  await b.page.setViewportSize({ width: 390, height: 844 });
  const overflow = await b.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than a phone screen`);
  await screenshot(b.page, 'clinician-console-phone');
  await a.context.close();
  await b.context.close();
});

test.run();
