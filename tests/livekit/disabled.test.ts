/** Without LiveKit settings video is off: its routes answer 503 ERR_VIDEO_DISABLED and everything else works. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../../server/app.ts';
import { removeDir, startTestServer, tempDir } from '../helpers/server.ts';
import { apiToken, call, visitBody } from '../helpers/api.ts';

const test = suite('livekit/disabled');
let dir = '';
let server: RunningServer;

test.before(async () => {
  dir = tempDir();
  server = await startTestServer(dir);
});
test.after(async () => { await server.stop(); removeDir(dir); });

test('video-token answers 503 ERR_VIDEO_DISABLED with a clear message; visits still work', async () => {
  const dr = await apiToken('dr-chen', 'clinician');
  const v = await call(server.url, 'POST', '/api/visits', dr, visitBody());
  assert.is(v.status, 201);
  const r = await call(server.url, 'POST', `/api/visits/${v.json.id}/video-token`, dr);
  assert.is(r.status, 503);
  assert.is(r.json.error.code, 'ERR_VIDEO_DISABLED');
  assert.match(r.json.error.message, /LIVEKIT_URL/);
  for (const path of ['/breakouts', '/recording/start', '/video/hide']) {
    const x = await call(server.url, 'POST', `/api/visits/${v.json.id}${path}`, dr, { breakoutId: 'b1', hidden: true });
    assert.is(x.status, 503, path);
  }
  const hook = await fetch(`${server.url}/api/livekit/webhook`, { method: 'POST', body: '{}' });
  assert.is(hook.status, 503);
  assert.is((await call(server.url, 'GET', `/api/visits/${v.json.id}`, dr)).status, 200);
});

test.run();
