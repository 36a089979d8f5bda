/**
 * The scribe hears only, without relying on it: publishers' subscription permissions (which the
 * SFU enforces) give it the microphone only, and the server unsubscribes it from every camera and
 * screen share — those already published when it joins and each one published later — through
 * RoomService UpdateSubscriptions on the contract server.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as P from '@livekit/protocol';
import { TokenVerifier } from 'livekit-server-sdk';
import { apiToken, call } from '../helpers/api.ts';
import { webhookRequest } from './contract-server.ts';
import { admit, groupVisit, LK_KEY, LK_SECRET, startVideoServer, type VideoHarness } from './video-server.ts';

const test = suite('livekit/scribe');
let h: VideoHarness;
let v = '';
let scribe = '';
let seq = 0;

test.before(async () => {
  h = await startVideoServer();
  v = await groupVisit(h);
  await admit(h, v, 'pat-1');
  scribe = await apiToken('scribe-1', 'scribe');
});
test.after(() => h.stop());

const main = () => `visit/${v}`;
const unsubscribed = () => [...(h.lk.unsubscribed.get(`${main()}|scribe-1`) ?? [])].sort();
const who = (identity: string, role: string) => new P.ParticipantInfo({ identity, attributes: { role } });

async function webhook(event: string, fields: Partial<P.WebhookEvent>) {
  const e = new P.WebhookEvent({ event, id: `EV_s${++seq}`, room: new P.Room({ name: main() }), ...fields });
  const { body, headers } = await webhookRequest(e, LK_KEY, LK_SECRET);
  const res = await fetch(`${h.base}/api/livekit/webhook`, { method: 'POST', headers, body });
  return res.status;
}

test('the scribe token is hidden, a recorder, publishes nothing; every publisher allows it audio only', async () => {
  assert.is((await call(h.base, 'POST', `/api/visits/${v}/commands`, scribe, { type: 'join', participantId: 'scribe-1', displayName: 'Scribe' })).status, 200);
  const tok = await call(h.base, 'POST', `/api/visits/${v}/video-token`, scribe);
  assert.is(tok.status, 200, JSON.stringify(tok.json));
  const grant = (await new TokenVerifier(LK_KEY, LK_SECRET).verify(tok.json.token)).video!;
  assert.equal([grant.hidden, grant.recorder, grant.canPublish, grant.canSubscribe], [true, true, false, true]);
  for (const bearer of [h.dr, await apiToken('pat-1', 'patient')]) {
    const perms = await call(h.base, 'GET', `/api/visits/${v}/video/permissions`, bearer);
    assert.ok(perms.json.subscriptionPermissions.trackPermissions.some((t: { participantIdentity: string; allow: string }) => t.participantIdentity === 'scribe-1' && t.allow === 'audio'));
    assert.is(perms.json.subscriptionPermissions.allParticipantsAllowed, false);
  }
});

test('joining: the server unsubscribes the scribe from cameras already published, not from microphones', async () => {
  h.lk.join(main(), 'dr-chen', {}, { role: 'clinician' });
  const cam = h.lk.publish(main(), 'dr-chen', P.TrackSource.CAMERA);
  const mic = h.lk.publish(main(), 'dr-chen', P.TrackSource.MICROPHONE);
  h.lk.join(main(), 'scribe-1', { hidden: true, recorder: true, canSubscribe: true }, { role: 'scribe' });
  assert.is(await webhook('participant_joined', { participant: who('scribe-1', 'scribe') }), 200);
  assert.equal(unsubscribed(), [cam.sid]);
  assert.not.ok(unsubscribed().includes(mic.sid));
});

test('a screen share or camera published later: the scribe is unsubscribed at once; a microphone is left alone', async () => {
  h.lk.join(main(), 'pat-1', {}, { role: 'patient' });
  const share = h.lk.publish(main(), 'dr-chen', P.TrackSource.SCREEN_SHARE);
  assert.is(await webhook('track_published', { participant: who('dr-chen', 'clinician'), track: new P.TrackInfo({ sid: share.sid, source: P.TrackSource.SCREEN_SHARE }) }), 200);
  const cam = h.lk.publish(main(), 'pat-1', P.TrackSource.CAMERA);
  assert.is(await webhook('track_published', { participant: who('pat-1', 'patient'), track: new P.TrackInfo({ sid: cam.sid, source: P.TrackSource.CAMERA }) }), 200);
  const mic = h.lk.publish(main(), 'pat-1', P.TrackSource.MICROPHONE);
  assert.is(await webhook('track_published', { participant: who('pat-1', 'patient'), track: new P.TrackInfo({ sid: mic.sid, source: P.TrackSource.MICROPHONE }) }), 200);
  assert.ok(unsubscribed().includes(share.sid) && unsubscribed().includes(cam.sid));
  assert.not.ok(unsubscribed().includes(mic.sid));
  const calls = h.lk.calls.filter((c) => c.method === 'UpdateSubscriptions');
  assert.ok(calls.every((c) => c.outcome === 'ok' && (c.request as { identity: string }).identity === 'scribe-1'));
});

test('a scribe that already left is skipped (not_found), the webhook still succeeds', async () => {
  h.lk.participants.get(main())!.delete('scribe-1');
  const cam = h.lk.publish(main(), 'dr-chen', P.TrackSource.CAMERA);
  assert.is(await webhook('track_published', { participant: who('dr-chen', 'clinician'), track: new P.TrackInfo({ sid: cam.sid, source: P.TrackSource.CAMERA }) }), 200);
  assert.is(h.lk.calls.at(-1)!.outcome, 'not_found');
});

test.run();
