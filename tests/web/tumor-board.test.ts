/** Tumor board: cases on the agenda as a queue, a presenter per case, and per-case notes co-edited live. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import * as Y from 'yjs';
import { token } from '../helpers/server.ts';
import { apiToken, call, visitBody } from '../helpers/api.ts';
import type { RunningServer } from '../../server/app.ts';
import { newPage, screenshot, withServerAndBrowser } from './browser.ts';

const test = suite('web: tumor board');
let server: RunningServer;
let browser: Browser;
withServerAndBrowser(test, (env) => ({ server, browser } = env));

test('add a case, choose its presenter, co-edit its note, advance the agenda', async () => {
  const created = await call(server.url, 'POST', '/api/visits', await apiToken('dr-chen', 'clinician'), visitBody({
    kind: 'tumor-board',
    patients: [{ id: 'pat-1', displayName: 'Pat One' }, { id: 'pat-2', displayName: 'Pat Two' }],
    clinicians: [{ id: 'dr-chen', name: 'Dr Chen' }, { id: 'dr-ali', name: 'Dr Ali' }],
  }));
  assert.is(created.status, 201, JSON.stringify(created.json));
  const id = created.json.id as string;
  const open = async (sub: string) => {
    const p = await newPage(browser);
    await p.page.goto(`${server.url}/clinician/${id}#token=${await token({ doc: `visit/${id}/*`, sub, role: 'clinician' })}`);
    await p.page.locator('[data-testid="sync-Note"][data-state="live"]').waitFor();
    return p;
  };
  const a = await open('dr-chen');
  const b = await open('dr-ali');
  // Both clinicians are in the roster before a presenter is chosen.
  await a.page.getByTestId('roster').locator('li[data-participant="dr-ali"]').waitFor();

  await a.page.getByLabel('New case title').fill('Lung nodule, 2 cm');
  await a.page.getByRole('button', { name: 'Add case' }).click();
  const caseA = a.page.getByTestId('agenda').locator('li', { hasText: 'Lung nodule, 2 cm' });
  await caseA.waitFor();
  await caseA.getByLabel('Presenter').selectOption('dr-ali');
  const caseB = b.page.getByTestId('agenda').locator('li', { hasText: 'Lung nodule, 2 cm' });
  await caseB.locator('.cm-content').click();
  await b.page.keyboard.type('PET avid; recommend biopsy.');
  await caseA.locator('.cm-content', { hasText: 'recommend biopsy' }).waitFor();

  await a.page.getByRole('button', { name: 'Next case' }).click();
  await b.page.getByTestId('agenda').locator('li.presenting', { hasText: 'Lung nodule, 2 cm' }).waitFor();
  const agenda = await server.hub.read(`visit/${id}/room`, (d) => d.getArray('agenda').toJSON());
  assert.equal(agenda.map((c: { presenterId?: string; state: string }) => [c.presenterId, c.state]), [['dr-ali', 'presenting']]);
  const caseId = (agenda[0] as { id: string }).id;
  const noteText = await server.hub.read(`visit/${id}/note`, (d) => { const t = d.getMap('cases').get(caseId); return t instanceof Y.Text ? t.toString() : null; });
  assert.is(noteText, 'PET avid; recommend biopsy.');
  await screenshot(a.page, 'tumor-board');
  await a.context.close();
  await b.context.close();
});

test.run();
