/**
 * A patient checks in (the insurance, intake and consent answers reach the server), sees their live queue position, and sees it change when the patient ahead
 * is admitted. The patient's browser never receives note content: every WebSocket frame it gets
 * is checked for the note text a clinician is writing at the same time.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import * as Y from 'yjs';
import { token, provider, synced, destroyAll } from '../helpers/server.ts';
import { apiToken, call, visitBody } from '../helpers/api.ts';
import type { RunningServer } from '../../server/app.ts';
import { newPage, screenshot, withServerAndBrowser } from './browser.ts';

const test = suite('web: patient check-in and live queue');
let server: RunningServer;
let browser: Browser;
const cleanups: (() => void)[] = [];

// Registered first, so it runs before the shared teardown closes the browser and the server.
test.after(() => { for (const c of cleanups) c(); });
withServerAndBrowser(test, (env) => ({ server, browser } = env));

const SECRET_NOTE = 'Suspected relapse, discuss lithium level';

test('queue position updates live; no frame carries the note', async () => {
  const clinicianApi = await apiToken('dr-chen', 'clinician');
  const created = await call(server.url, 'POST', '/api/visits', clinicianApi, visitBody({
    kind: 'group-therapy',
    patients: [{ id: 'pat-1', displayName: 'Pat One' }, { id: 'pat-2', displayName: 'Pat Two' }],
  }));
  assert.is(created.status, 201);
  const id = created.json.id as string;
  const patientToken = async (sub: string) => token({ doc: `visit/${id}/room`, sub, role: 'patient', access: 'read' });

  // A clinician is writing the note the whole time.
  const noteDoc = new Y.Doc();
  const note = provider(server.port, `visit/${id}/note`, await token({ doc: `visit/${id}/*`, sub: 'dr-chen', role: 'clinician' }), noteDoc);
  cleanups.push(() => destroyAll(note));
  await synced(note);
  noteDoc.getText('assessment').insert(0, `${SECRET_NOTE} (before). `);

  // The patient ahead checks in first.
  const ahead = await call(server.url, 'POST', `/api/visits/${id}/commands`, await patientToken('pat-1'), { type: 'checkIn', participantId: 'pat-1', displayName: 'Pat One' });
  assert.is(ahead.status, 200);

  const { context, page } = await newPage(browser, { phone: true });
  const frames: Buffer[] = [];
  const sockets: string[] = [];
  const bodies: Promise<string>[] = [];
  page.on('response', (r) => { if (r.url().includes('/api/')) bodies.push(r.text().catch(() => '')); });
  page.on('websocket', (ws) => {
    sockets.push(ws.url());
    ws.on('framereceived', (f) => frames.push(typeof f.payload === 'string' ? Buffer.from(f.payload) : Buffer.from(f.payload)));
  });
  await page.goto(`${server.url}/patient/${id}#token=${await patientToken('pat-2')}`);
  await page.getByLabel('Your full name').waitFor();
  assert.is(await page.getByLabel('Your full name').inputValue(), 'Pat Two');
  await page.getByLabel('Insurer').fill('Acme Health');
  await page.getByLabel('Member ID').fill('A-123');
  await page.getByLabel(/help with today/).fill('Follow-up');
  await screenshot(page, 'patient-check-in');
  await page.getByRole('checkbox', { name: /telehealth/ }).check();
  await page.getByRole('button', { name: 'Check in' }).click();

  const position = page.getByTestId('queue-position');
  await position.filter({ hasText: 'number 2' }).waitFor();
  // The check-in answers reached the server (the clinical team reads them back).
  const intake = await call(server.url, 'GET', `/api/visits/${id}/intake/pat-2`, clinicianApi);
  assert.is(intake.status, 200);
  assert.equal(intake.json.answers.insurance, { insurer: 'Acme Health', memberId: 'A-123' });
  assert.equal(intake.json.answers.intake, { reason: 'Follow-up' });
  assert.is(intake.json.answers.consent.state, 'MA');
  assert.is(intake.json.answers.consent.telehealth, true);
  await page.getByRole('button', { name: 'Skip the device check' }).click();
  await page.getByTestId('estimated-wait').filter({ hasNotText: '…' }).waitFor();
  await screenshot(page, 'patient-waiting-room');

  noteDoc.getText('assessment').insert(0, `${SECRET_NOTE} (while waiting). `);
  const admit = await call(server.url, 'POST', `/api/visits/${id}/commands`, clinicianApi, { type: 'admit', participantId: 'pat-1' });
  assert.is(admit.status, 200);
  await position.filter({ hasText: 'next' }).waitFor();

  // Admitted: the page moves into the call and says plainly that video is not configured.
  const framesBefore = frames.length;
  await call(server.url, 'POST', `/api/visits/${id}/commands`, clinicianApi, { type: 'admit', participantId: 'pat-2' });
  await page.getByTestId('in-call').waitFor();
  await page.locator('[data-testid="video-area"][data-status="unconfigured"]').waitFor();
  assert.ok(frames.length > framesBefore, 'the patient received room updates over its WebSocket');
  await screenshot(page, 'patient-in-call');

  // The note really holds the text, and nothing the patient received contains it.
  const noteText = await server.hub.read(`visit/${id}/note`, (d) => d.getText('assessment').toString());
  assert.ok(noteText.includes(SECRET_NOTE));
  assert.ok(sockets.length > 0 && sockets.every((u) => u.includes(`/sync/visit/${id}/room`)), `patient sockets: ${sockets.join(', ')}`);
  for (const f of frames) assert.not.ok(f.includes(SECRET_NOTE) || f.includes('lithium'), 'a frame carried note text');
  const texts = await Promise.all(bodies);
  assert.ok(texts.length > 0);
  for (const t of texts) assert.not.ok(t.includes('lithium'), 'an API response carried note text');
  await context.close();
});

test.run();
