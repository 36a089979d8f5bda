/**
 * Removal sticks, through the HTTP API: an interpreter (invited) and a patient removed by a
 * clinician are refused video tokens (main and breakout), rejoining and sync access, and LiveKit
 * removes them if an older token gets them in; a clinician's readmit lets them back.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as P from '@livekit/protocol';
import { apiToken, call } from '../helpers/api.ts';
import { docUrl, rawConnect, upgradeAnswer } from '../helpers/raw.ts';
import { CloseCode } from '../../server/sync/close-codes.ts';
import { webhookRequest } from './contract-server.ts';
import { admit, groupVisit, LK_KEY, LK_SECRET, room, startVideoServer, type VideoHarness } from './video-server.ts';

const test = suite('livekit/removal');
let h: VideoHarness;
let v = '';
let interp = { id: '', token: '' };
let p1 = '';

test.before(async () => {
  h = await startVideoServer();
  v = await groupVisit(h);
  p1 = await apiToken('pat-1', 'patient');
  await admit(h, v, 'pat-1');
  const inv = await call(h.base, 'POST', `/api/visits/${v}/invites`, h.dr, { role: 'interpreter', language: 'es' });
  const who = await call(h.base, 'POST', '/api/invites/redeem', null, { token: inv.json.token, code: inv.json.code, displayName: 'Lucia' });
  if (who.status !== 200) throw new Error(JSON.stringify(who.json));
  interp = { id: who.json.participantId, token: who.json.token };
});
test.after(() => h.stop());

const post = (path: string, tok: string, body?: unknown) => call(h.base, 'POST', `/api/visits/${v}${path}`, tok, body);
const main = () => `visit/${v}`;
const roomDoc = () => `visit/${v}/room`;

async function webhook(e: P.WebhookEvent) {
  const { body, headers } = await webhookRequest(e, LK_KEY, LK_SECRET);
  return (await fetch(`${h.base}/api/livekit/webhook`, { method: 'POST', headers, body })).status;
}

test('removing an invited interpreter: kicked from LiveKit, sync closed, marked removed in the roster', async () => {
  assert.is((await post('/video-token', interp.token)).status, 200, 'the interpreter had video');
  h.lk.join(main(), interp.id);
  const sync = await rawConnect(docUrl(h.server.port, roomDoc(), interp.token));
  assert.is((await post('/moderation/remove', p1, { participantId: interp.id })).status, 403, 'patients may not remove');
  const r = await post('/moderation/remove', h.dr, { participantId: interp.id });
  assert.is(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json, { removed: true });
  assert.not.ok(h.lk.participants.get(main())!.has(interp.id), 'LiveKit disconnected them');
  assert.is((await sync.closed).code, CloseCode.SESSION_REVOKED, 'their sync connection was closed');
  const entry = (await room(h, v)).roster.find((e) => e.id === interp.id)!;
  assert.is(entry.location, 'left');
  assert.is(entry.removedBy, 'dr-chen');
  assert.ok(entry.removedAt);
});

test('a removed interpreter gets no video token, cannot rejoin, cannot reopen the room document', async () => {
  const tok = await post('/video-token', interp.token);
  assert.is(tok.status, 403);
  assert.is(tok.json.error.code, 'ERR_REMOVED');
  const rejoin = await post('/commands', interp.token, { type: 'join', participantId: interp.id, displayName: 'Lucia', language: 'es' });
  assert.is(rejoin.status, 403);
  assert.is(rejoin.json.error.code, 'ERR_REMOVED');
  assert.is((await upgradeAnswer(docUrl(h.server.port, roomDoc(), interp.token))).status, 403, 'sync access revoked');
  const perms = await call(h.base, 'GET', `/api/visits/${v}/video/permissions`, interp.token);
  assert.is(perms.json.error.code, 'ERR_REMOVED', 'nor their subscription permissions');
});

test('no breakout for a removed participant: assign refused, and LiveKit removes them if an old token gets them in', async () => {
  assert.is((await post('/breakouts', h.dr, { breakoutId: 'b1' })).status, 201);
  const assigned = await post('/breakouts/b1/assign', h.dr, { participantIds: [interp.id] });
  assert.equal(assigned.json.refused, [{ participantId: interp.id, code: 'ERR_REMOVED' }]);
  for (const name of [main(), `${main()}/breakout/b1`]) {
    h.lk.join(name, interp.id);
    const status = await webhook(new P.WebhookEvent({
      event: 'participant_joined', id: `EV_${name}`, room: new P.Room({ name }),
      participant: new P.ParticipantInfo({ identity: interp.id, attributes: { role: 'interpreter' } }),
    }));
    assert.is(status, 200);
    assert.not.ok(h.lk.participants.get(name)!.has(interp.id), `removed again from ${name}`);
  }
  assert.ok((await room(h, v)).timeline.some((t) => t.type === 'video.refused' && t.detail.participantId === interp.id));
});

test('a removed patient cannot check in again or get video; the visit\'s own clinician cannot be removed', async () => {
  assert.is((await post('/moderation/remove', h.dr, { participantId: 'pat-1' })).status, 200);
  const back = await post('/commands', p1, { type: 'checkIn', participantId: 'pat-1', displayName: 'Pat One' });
  assert.is(back.json.error.code, 'ERR_REMOVED');
  assert.is((await post('/video-token', p1)).json.error.code, 'ERR_REMOVED');
  const nurse = await apiToken('rn-ortiz', 'nurse');
  const cmd = await post('/commands', nurse, { type: 'remove', participantId: 'dr-chen' });
  assert.is(cmd.status, 403);
  assert.is(cmd.json.error.code, 'ERR_FORBIDDEN_COMMAND');
});

test('a clinician readmits: the interpreter joins again and gets video; the patient checks in and is admitted', async () => {
  assert.is((await post('/moderation/readmit', p1, { participantId: interp.id })).status, 403);
  const r = await post('/moderation/readmit', h.dr, { participantId: interp.id });
  assert.is(r.status, 200, JSON.stringify(r.json));
  assert.is((await post('/moderation/readmit', h.dr, { participantId: interp.id })).json.error.code, 'ERR_NOT_REMOVED');
  assert.is((await post('/commands', interp.token, { type: 'join', participantId: interp.id, displayName: 'Lucia', language: 'es' })).status, 200);
  assert.is((await post('/video-token', interp.token)).status, 200);
  const sync = await rawConnect(docUrl(h.server.port, roomDoc(), interp.token));
  sync.close();

  assert.is((await post('/commands', h.dr, { type: 'readmit', participantId: 'pat-1' })).status, 200, 'also as a room command');
  await admit(h, v, 'pat-1');
  assert.is((await post('/video-token', p1)).status, 200);
  const timeline = (await room(h, v)).timeline.map((t) => t.type);
  assert.ok(timeline.includes('remove') && timeline.includes('readmit'));
});

test.run();
