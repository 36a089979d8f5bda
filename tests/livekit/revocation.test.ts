/** Revoking a user removes them from the LiveKit rooms they are in (contract server), like sync connections. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { call, apiToken, visitBody } from '../helpers/api.ts';
import { waitFor } from '../helpers/server.ts';
import { startVideoServer, type VideoHarness } from './video-server.ts';

const test = suite('livekit: revocation ends video');
let h: VideoHarness;
test.before(async () => { h = await startVideoServer(); });
test.after(async () => { await h.stop(); });

test('a revoked clinician is removed from the visit room; others stay', async () => {
  const user = await h.server.security.auth.createUser({ username: 'dr-rev', role: 'clinician' }, Date.now());
  const v = (await call(h.base, 'POST', '/api/visits', h.dr, visitBody({ clinicians: [{ id: 'dr-chen', name: 'Dr Chen' }, { id: user.id, name: 'Dr Rev' }] }))).json;
  assert.is((await call(h.base, 'POST', `/api/visits/${v.id}/commands`, await apiToken('pat-1', 'patient'), { type: 'checkIn', participantId: 'pat-1', displayName: 'Pat' })).status, 200);
  assert.is((await call(h.base, 'POST', `/api/visits/${v.id}/commands`, h.dr, { type: 'admit', participantId: 'pat-1' })).status, 200);
  assert.is((await call(h.base, 'POST', `/api/visits/${v.id}/commands`, await apiToken(user.id, 'clinician'), { type: 'join', participantId: user.id, displayName: 'Dr Rev' })).status, 200);
  // Asking for a video token creates the LiveKit room, as a client would.
  assert.is((await call(h.base, 'POST', `/api/visits/${v.id}/video-token`, h.dr)).status, 200);
  const room = `visit/${v.id}`;
  h.lk.join(room, user.id);
  h.lk.join(room, 'pat-1');
  h.lk.join(room, 'dr-chen');
  assert.ok(await h.server.security.auth.revokeUser(user.id, Date.now()));
  await waitFor(() => !h.lk.participants.get(room)?.has(user.id), 'revoked user removed from LiveKit');
  assert.ok(h.lk.participants.get(room)?.has('pat-1'));
  assert.ok(h.lk.participants.get(room)?.has('dr-chen'));
});

test.run();
