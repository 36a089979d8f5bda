/**
 * Video routes end to end: a real Rounds server wired to the LiveKit contract server. Tokens by
 * membership and role, selective routing settings, hidden video enforced through the SFU,
 * breakouts (assign, reconvene, roster shows locations) and moderation.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TokenVerifier } from 'livekit-server-sdk';
import * as P from '@livekit/protocol';
import { apiToken, call } from '../helpers/api.ts';
import { admit, groupVisit, LK_KEY, LK_SECRET, room, startVideoServer, type VideoHarness } from './video-server.ts';

const test = suite('livekit/routes');
const verifier = new TokenVerifier(LK_KEY, LK_SECRET);
let h: VideoHarness;
let v = '';
let p1 = '';
let p2 = '';

test.before(async () => {
  h = await startVideoServer();
  v = await groupVisit(h);
  p1 = await apiToken('pat-1', 'patient');
  p2 = await apiToken('pat-2', 'patient');
});
test.after(() => h.stop());

const post = (path: string, tok: string, body?: unknown) => call(h.base, 'POST', `/api/visits/${v}${path}`, tok, body);

test('clinician of the visit gets { url, token, iceServers } for the visit room, which is created', async () => {
  const r = await post('/video-token', h.dr);
  assert.is(r.status, 200, JSON.stringify(r.json));
  assert.is(r.json.url, h.lk.url.replace('http://', 'ws://'));
  assert.is(r.json.room, `visit/${v}`);
  const claims = await verifier.verify(r.json.token);
  assert.is(claims.sub, 'dr-chen');
  assert.equal(claims.attributes, { role: 'clinician' });
  assert.is(claims.video?.room, `visit/${v}`);
  assert.equal(claims.video?.canPublishSources, ['camera', 'microphone', 'screen_share']);
  assert.is((claims.exp as number) - (claims.nbf as number), 600);
  const [ice] = r.json.iceServers;
  assert.match(ice.username, /^\d+:dr-chen$/);
  assert.ok(ice.urls.includes('turn:turn.example.org:3478?transport=udp'));
  assert.ok(ice.urls.includes('turns:turn.example.org:443?transport=tcp'));
  const created = h.lk.rooms.get(`visit/${v}`)!;
  assert.equal(JSON.parse(created.metadata), { app: 'rounds', visitId: v });
  assert.is(created.emptyTimeout, 300);
  assert.is(created.maxParticipants, 50);
});

test('who may get a video token: not strangers, not billing, not waiting patients', async () => {
  const stranger = await post('/video-token', await apiToken('dr-other', 'clinician'));
  assert.is(stranger.status, 403);
  assert.is(stranger.json.error.code, 'ERR_NOT_ON_VISIT');
  assert.is((await post('/video-token', await apiToken('bill-1', 'billing'))).status, 403);
  assert.is((await post('/video-token', await apiToken('pat-9', 'patient'))).json.error.code, 'ERR_NOT_ON_VISIT');
  const waiting = await post('/video-token', p1);
  assert.is(waiting.status, 409);
  assert.is(waiting.json.error.code, 'ERR_NOT_ADMITTED');
  assert.is((await post('/video-token', null as unknown as string)).status, 401);
});

test('admitted patients get camera and microphone only, and their own subscription permissions', async () => {
  await admit(h, v, 'pat-1');
  await admit(h, v, 'pat-2');
  const r = await post('/video-token', p1);
  assert.is(r.status, 200, JSON.stringify(r.json));
  const claims = await verifier.verify(r.json.token);
  assert.equal(claims.video?.canPublishSources, ['camera', 'microphone']);
  assert.equal(claims.attributes, { role: 'patient' });
  // Group therapy: the other patient may only hear pat-1; the therapist sees them.
  assert.equal(r.json.subscriptionPermissions, {
    allParticipantsAllowed: false,
    trackPermissions: [{ participantIdentity: 'pat-2', allow: 'audio' }, { participantIdentity: 'dr-chen', allow: 'all' }],
  });
});

test('routing settings: clinicians only; patients then see each other', async () => {
  assert.is((await post('/video/routing', p1, { patientsSeeEachOther: true })).status, 403);
  assert.is((await post('/video/routing', h.dr, { patientsSeeEachOther: 'yes' })).status, 400);
  assert.is((await post('/video/routing', h.dr, { patientsSeeEachOther: true })).status, 200);
  const perms = await call(h.base, 'GET', `/api/visits/${v}/video/permissions`, p2);
  assert.is(perms.status, 200);
  assert.ok(perms.json.subscriptionPermissions.trackPermissions.some((t: { participantIdentity: string; allow: string }) => t.participantIdentity === 'pat-1' && t.allow === 'all'));
  assert.is(perms.json.table, undefined, 'patients do not see the whole table');
  const table = await call(h.base, 'GET', `/api/visits/${v}/video/permissions`, h.dr);
  assert.is(table.json.table['pat-2']['pat-1'], 'all');
});

test('a patient who hides video: SFU permission replaced (microphone only), next token too', async () => {
  h.lk.join(`visit/${v}`, 'pat-1', { canPublish: true, canSubscribe: true });
  const r = await post('/video/hide', p1, { hidden: true });
  assert.is(r.status, 200, JSON.stringify(r.json));
  const perm = h.lk.participants.get(`visit/${v}`)!.get('pat-1')!.permission!;
  assert.equal(perm.canPublishSources, [P.TrackSource.MICROPHONE]);
  assert.is(perm.canSubscribe, true, 'the whole permission set was sent, not just the sources');
  const claims = await verifier.verify((await post('/video-token', p1)).json.token);
  assert.equal(claims.video?.canPublishSources, ['microphone']);
  const table = await call(h.base, 'GET', `/api/visits/${v}/video/permissions`, h.dr);
  assert.is(table.json.table['pat-2']['pat-1'], 'audio');
  assert.equal((await room(h, v)).video.hiddenVideo, ['pat-1']);
  assert.is((await post('/video/hide', p1, { hidden: false })).status, 200);
});

test('breakout: create, assign (roster and queue show it, token for the breakout), reconvene', async () => {
  assert.is((await post('/breakouts', p1, { breakoutId: 'b1' })).status, 403);
  const created = await post('/breakouts', h.dr, { breakoutId: 'b1' });
  assert.is(created.status, 201, JSON.stringify(created.json));
  assert.ok(h.lk.rooms.has(`visit/${v}/breakout/b1`));
  assert.is((await post('/breakouts/nope/assign', h.dr, { participantIds: ['pat-1'] })).status, 404);

  const assigned = await post('/breakouts/b1/assign', h.dr, { participantIds: ['pat-1', 'ghost'] });
  assert.is(assigned.status, 200, JSON.stringify(assigned.json));
  assert.equal(assigned.json.moved, ['pat-1']);
  assert.equal(assigned.json.refused, [{ participantId: 'ghost', code: 'ERR_NOT_IN_ROSTER' }]);
  // Out of the main room at the SFU; self-hosted LiveKit cannot move people.
  assert.not.ok(h.lk.participants.get(`visit/${v}`)!.has('pat-1'));
  let r = await room(h, v);
  const e1 = r.roster.find((e) => e.id === 'pat-1')!;
  assert.is(e1.location, 'breakout');
  assert.is(e1.breakoutId, 'b1');
  assert.is(r.queue.find((q) => q.participantId === 'pat-1')!.state, 'in-breakout');
  assert.is(r.roster.find((e) => e.id === 'pat-2')!.location, 'main');
  const tok = await post('/video-token', p1);
  assert.is(tok.json.room, `visit/${v}/breakout/b1`);
  assert.is((await verifier.verify(tok.json.token)).video?.room, `visit/${v}/breakout/b1`);

  const back = await post('/breakouts/b1/reconvene', h.dr);
  assert.is(back.status, 200, JSON.stringify(back.json));
  assert.equal(back.json.returned, ['pat-1']);
  assert.not.ok(h.lk.rooms.has(`visit/${v}/breakout/b1`), 'breakout room deleted (disconnects anyone left)');
  r = await room(h, v);
  assert.is(r.roster.find((e) => e.id === 'pat-1')!.location, 'main');
  assert.is(r.queue.find((q) => q.participantId === 'pat-1')!.state, 'admitted');
  assert.is((await post('/video-token', p1)).json.room, `visit/${v}`);
  assert.ok(r.timeline.some((t) => t.type === 'breakout.created') && r.timeline.some((t) => t.type === 'breakout.closed'));
});

test('moderation: mute a track, narrow permissions, remove; patients may not; LiveKit errors surface', async () => {
  h.lk.join(`visit/${v}`, 'pat-2');
  const mic = h.lk.publish(`visit/${v}`, 'pat-2', P.TrackSource.MICROPHONE);
  assert.is((await post('/moderation/mute', p1, { participantId: 'pat-2', trackSid: mic.sid })).status, 403);
  assert.is((await post('/moderation/mute', h.dr, { participantId: 'pat-2', trackSid: mic.sid })).status, 200);
  assert.is(mic.muted, true);
  const missing = await post('/moderation/mute', h.dr, { participantId: 'pat-2', trackSid: 'TR_nope' });
  assert.is(missing.status, 404);
  assert.equal(missing.json.error.code, 'ERR_LIVEKIT_NOT_FOUND');
  assert.equal(missing.json.error.upstream, 'not_found');

  const narrowed = await post('/moderation/permissions', h.dr, { participantId: 'pat-2', sources: ['microphone', 'screen_share'] });
  assert.is(narrowed.status, 200, JSON.stringify(narrowed.json));
  assert.equal(narrowed.json.permission.canPublishSources, ['microphone'], 'a moderator cannot widen a patient to screen share');
  assert.equal(h.lk.participants.get(`visit/${v}`)!.get('pat-2')!.permission!.canPublishSources, [P.TrackSource.MICROPHONE]);
  assert.is((await post('/moderation/permissions', h.dr, { participantId: 'pat-2', sources: ['fax'] })).status, 400);

  const removed = await post('/moderation/remove', h.dr, { participantId: 'pat-2' });
  assert.is(removed.status, 200, JSON.stringify(removed.json));
  assert.not.ok(h.lk.participants.get(`visit/${v}`)!.has('pat-2'));
  const e2 = (await room(h, v)).roster.find((e) => e.id === 'pat-2')!;
  assert.is(e2.location, 'left');
  assert.is((await post('/video-token', p2)).json.error.code, 'ERR_REMOVED');
});

test('bodies are read like the rest of the API: 415 for another content type, 400 for bad JSON', async () => {
  const send = (type: string, body: string) => fetch(`${h.base}/api/visits/${v}/video/routing`, { method: 'POST', headers: { authorization: `Bearer ${h.dr}`, 'content-type': type }, body });
  const wrongType = await send('text/plain', '{"patientsSeeEachOther":true}');
  assert.is(wrongType.status, 415);
  assert.is((await wrongType.json()).error.code, 'ERR_UNSUPPORTED_MEDIA_TYPE');
  const badJson = await send('application/json', '{nope');
  assert.is(badJson.status, 400);
  assert.is((await badJson.json()).error.code, 'ERR_BAD_REQUEST');
  assert.is((await send('application/json; charset=utf-8', '{"patientsSeeEachOther":false}')).status, 200);
});

test('screen-share PHI marking: clinical roles only', async () => {
  assert.is((await post('/screen-share', p1, { phi: true })).status, 403);
  const nurse = await post('/screen-share', await apiToken('nurse-x', 'nurse'), { phi: true });
  assert.is(nurse.status, 403, 'a nurse who is not on the visit');
});

test.run();
