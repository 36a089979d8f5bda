/**
 * A clinician creates an interpreter invite in the console; the interpreter opens the link in
 * another browser, enters the one-time code and appears live in the clinician's roster.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { startTestServer, tempDir, removeDir, token } from '../helpers/server.ts';
import { apiToken, call, visitBody } from '../helpers/api.ts';
import type { RunningServer } from '../../server/app.ts';
import { ensureWebBuilt, launch, newPage, screenshot } from './browser.ts';

const test = suite('web: interpreter joins through an invite link');
let dir = '';
let server: RunningServer;
let browser: Browser;

test.before(async () => {
  await ensureWebBuilt();
  dir = tempDir();
  server = await startTestServer(dir);
  browser = await launch();
});
test.after(async () => {
  await browser?.close();
  await server?.stop();
  removeDir(dir);
});

test('invite link + one-time code puts the interpreter in the roster', async () => {
  const created = await call(server.url, 'POST', '/api/visits', await apiToken('dr-chen', 'clinician'), visitBody());
  assert.is(created.status, 201);
  const id = created.json.id as string;
  const clinician = await newPage(browser);
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

  const interpreter = await newPage(browser, { phone: true });
  await interpreter.page.goto(link);
  await interpreter.page.getByLabel('Your name').fill('Ana Intérprete');
  await interpreter.page.getByLabel('One-time code').fill(code);
  await screenshot(interpreter.page, 'interpreter-join');
  await interpreter.page.getByRole('button', { name: 'Join' }).click();
  await interpreter.page.getByTestId('joined').waitFor();

  const entry = clinician.page.getByTestId('roster').locator('li[data-role="interpreter"]', { hasText: 'Ana Intérprete' });
  await entry.waitFor();
  assert.match((await entry.textContent()) ?? '', /Interpreter\s*·\s*es/);
  await screenshot(clinician.page, 'clinician-roster-with-interpreter');

  // The link works once: a second redemption is refused and nothing changes.
  const again = await call(server.url, 'POST', '/api/invites/redeem', null, { token: decodeURIComponent(link.split('#invite=')[1]!), code, displayName: 'Someone Else' });
  assert.is(again.status, 410);
  assert.is(again.json.error.code, 'ERR_INVITE_USED');
  await clinician.context.close();
  await interpreter.context.close();
});

test.run();
