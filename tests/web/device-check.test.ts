/** The device check reports camera and microphone working with Chromium's fake devices. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { token } from '../helpers/server.ts';
import { apiToken, call, visitBody } from '../helpers/api.ts';
import type { RunningServer } from '../../server/app.ts';
import { newPage, screenshot, withServerAndBrowser } from './browser.ts';

const test = suite('web: device check');
let server: RunningServer;
let browser: Browser;
withServerAndBrowser(test, (env) => ({ server, browser } = env));

test('camera preview and microphone level work with fake devices', async () => {
  const created = await call(server.url, 'POST', '/api/visits', await apiToken('dr-chen', 'clinician'), visitBody());
  assert.is(created.status, 201);
  const id = created.json.id as string;
  const { context, page } = await newPage(browser);
  await page.goto(`${server.url}/patient/${id}#token=${await token({ doc: `visit/${id}/room`, sub: 'pat-1', role: 'patient', access: 'read' })}`);
  await page.getByRole('checkbox', { name: /telehealth/ }).check();
  await page.getByRole('button', { name: 'Check in' }).click();
  // Keyboard only: focus the control and press Enter.
  await page.getByRole('button', { name: 'Start device check' }).focus();
  await page.keyboard.press('Enter');

  await page.locator('[data-testid="check-camera"][data-state="ok"]').waitFor();
  await page.locator('[data-testid="check-microphone"][data-state="ok"]').waitFor();
  await page.locator('[data-testid="check-connection"][data-state="ok"]').waitFor();
  const size = await page.getByLabel('Camera preview').evaluate((v) => [(v as HTMLVideoElement).videoWidth, (v as HTMLVideoElement).videoHeight]);
  assert.ok(size[0]! > 0 && size[1]! > 0, `camera frames arrive (${size.join('x')})`);
  await screenshot(page, 'patient-device-check');

  await page.getByRole('button', { name: 'Continue with video' }).click();
  await page.getByTestId('waiting-room').waitFor();
  assert.match((await page.getByTestId('queue-position').textContent()) ?? '', /next/);
  await context.close();
});

test('without a camera the check offers audio only', async () => {
  const created = await call(server.url, 'POST', '/api/visits', await apiToken('dr-chen', 'clinician'), visitBody());
  const id = created.json.id as string;
  const { context, page } = await newPage(browser, { phone: true });
  // This browser has no camera: any request for video fails the way Chromium fails it.
  await page.addInitScript(() => {
    const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (c?: MediaStreamConstraints) =>
      c?.video ? Promise.reject(new DOMException('Requested device not found', 'NotFoundError')) : real(c);
  });
  await page.goto(`${server.url}/patient/${id}#token=${await token({ doc: `visit/${id}/room`, sub: 'pat-1', role: 'patient', access: 'read' })}`);
  await page.getByRole('checkbox', { name: /telehealth/ }).check();
  await page.getByRole('button', { name: 'Check in' }).click();
  await page.getByRole('button', { name: 'Start device check' }).click();
  await page.locator('[data-testid="check-camera"][data-state="failed"]').waitFor();
  await page.locator('[data-testid="check-microphone"][data-state="ok"]').waitFor();
  await page.getByRole('alert').filter({ hasText: 'audio only' }).waitFor();
  assert.is(await page.getByRole('button', { name: 'Continue with video' }).count(), 0);
  await screenshot(page, 'patient-device-check-audio-only');
  await page.getByRole('button', { name: 'Continue with audio only' }).click();
  await page.getByText('Your devices are ready (audio only)').waitFor();
  await context.close();
});

test.run();
