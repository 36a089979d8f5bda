/**
 * A clinician creates an interpreter invite in the console; the interpreter opens the link in
 * another browser, enters the one-time code and appears live in the clinician's roster. With the
 * room token the redemption returns, the interpreter sees the live room (the clinician in the
 * roster, the waiting queue, the video area) and never receives the note: every WebSocket frame
 * the interpreter's page receives is checked for the note text.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { token } from '../helpers/server.ts';
import { noteToPlainText } from '../../server/visits/note-doc.ts';
import { apiToken, call, visitBody } from '../helpers/api.ts';
import type { RunningServer } from '../../server/app.ts';
import { newPage, screenshot, withServerAndBrowser } from './browser.ts';

const test = suite('web: interpreter joins through an invite link');
let server: RunningServer;
let browser: Browser;
withServerAndBrowser(test, (env) => ({ server, browser } = env));

test('invite link + one-time code puts the interpreter in the roster', async () => {
  const created = await call(server.url, 'POST', '/api/visits', await apiToken('dr-chen', 'clinician'), visitBody());
  assert.is(created.status, 201);
  const id = created.json.id as string;
  const clinician = await newPage(browser);
  const clinicianSent: Buffer[] = [];
  clinician.page.on('websocket', (ws) => ws.on('framesent', (f) => clinicianSent.push(typeof f.payload === 'string' ? Buffer.from(f.payload) : f.payload)));
  const t = await token({ doc: `visit/${id}/*`, sub: 'dr-chen', role: 'clinician' });
  await clinician.page.goto(`${server.url}/clinician/${id}#token=${t}&api=${await apiToken('dr-chen', 'clinician')}`);
  await clinician.page.locator('[data-testid="sync-Room"][data-state="live"]').waitFor();
  // Without LiveKit the video area says so plainly.
  await clinician.page.locator('[data-testid="video-area"][data-status="unconfigured"]').waitFor();

  const invites = clinician.page.getByTestId('invites');
  await invites.getByLabel('Role').selectOption('interpreter');
  await invites.getByLabel(/Language/).fill('es');
  await invites.getByRole('button', { name: 'Create invite link' }).click();
  const link = await invites.getByTestId('invite-link').inputValue();
  const code = (await invites.getByTestId('invite-code').textContent())?.trim() ?? '';
  assert.match(link, new RegExp(`^${server.url}/join#invite=`));
  assert.match(code, /^\d{6,}$/);

  // Something clinical in the note, committed on the server before the interpreter joins.
  const NOTE = 'Suspected xanthelasma palpebrarum';
  await clinician.page.locator('[data-testid="sync-Note"][data-state="live"]').waitFor();
  await clinician.page.locator('[data-testid="editor-hpi"] .cm-content').click();
  await clinician.page.keyboard.insertText(NOTE);
  for (let i = 0; !(await server.hub.read(`visit/${id}/note`, noteToPlainText)).includes(NOTE); i++) {
    if (i > 200) throw new Error('note text was not committed');
    await new Promise((r) => setTimeout(r, 50));
  }

  const interpreter = await newPage(browser, { phone: true });
  const sockets: string[] = [];
  const received: Buffer[] = [];
  interpreter.page.on('websocket', (ws) => {
    sockets.push(new URL(ws.url()).pathname);
    ws.on('framereceived', (f) => received.push(typeof f.payload === 'string' ? Buffer.from(f.payload) : f.payload));
  });
  await interpreter.page.goto(link);
  await interpreter.page.getByLabel('Your name').fill('Ana Intérprete');
  await interpreter.page.getByLabel('One-time code').fill(code);
  await screenshot(interpreter.page, 'interpreter-join');
  await interpreter.page.getByRole('button', { name: 'Join' }).click();
  await interpreter.page.getByTestId('joined').waitFor();

  const entry = clinician.page.getByTestId('roster').locator('li[data-role="interpreter"]', { hasText: 'Ana Intérprete' });
  await entry.waitFor();
  assert.match((await entry.textContent()) ?? '', /Interpreter · es/);
  await screenshot(clinician.page, 'clinician-roster-with-interpreter');

  // The interpreter's own page shows the live room: the clinician in the roster, the video area.
  const room = interpreter.page.getByTestId('joined');
  await room.locator('[data-testid="sync-Room"][data-state="live"]').waitFor();
  await room.getByTestId('roster').locator('li[data-role="clinician"]', { hasText: 'Dr Chen' }).waitFor();
  await room.getByTestId('roster').locator('li[data-role="interpreter"]', { hasText: 'Ana Intérprete' }).waitFor();
  await room.locator('[data-testid="video-area"]').waitFor();
  // A patient checking in shows up in the interpreter's waiting room, live.
  assert.is((await call(server.url, 'POST', `/api/visits/${id}/commands`, await apiToken('pat-1', 'patient'), { type: 'checkIn', participantId: 'pat-1', displayName: 'Pat One' })).status, 200);
  await room.getByTestId('waiting').locator('li[data-participant="pat-1"]', { hasText: 'Pat One' }).waitFor();
  await screenshot(interpreter.page, 'interpreter-room');
  // Only the room document was opened, and no frame carried the note (the clinician's own
  // frames do carry it in this encoding, so the search would find it if it were there).
  assert.ok(sockets.length > 0);
  assert.equal([...new Set(sockets)], [`/sync/visit/${id}/room`]);
  assert.ok(received.length > 0);
  assert.ok(clinicianSent.some((b) => b.includes(NOTE)), 'the search finds note text in frames');
  assert.not.ok(received.some((b) => b.includes(NOTE)), 'a frame to the interpreter held note text');

  // The link works once: a second redemption is refused and nothing changes.
  const again = await call(server.url, 'POST', '/api/invites/redeem', null, { token: decodeURIComponent(link.split('#invite=')[1]!), code, displayName: 'Someone Else' });
  assert.is(again.status, 410);
  assert.is(again.json.error.code, 'ERR_INVITE_USED');
  await clinician.context.close();
  await interpreter.context.close();
});

test.run();
