/**
 * LiveKit webhooks through the real route: valid events update the roster (intervals, location,
 * media), the modality over time and the timeline; tampered bodies, a wrong key, a missing
 * header are refused with 401 and change nothing; a finished room may close the visit.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as P from '@livekit/protocol';
import { apiToken, call } from '../helpers/api.ts';
import { webhookRequest } from './contract-server.ts';
import { admit, groupVisit, LK_KEY, LK_SECRET, room, startVideoServer, type VideoHarness } from './video-server.ts';

const test = suite('livekit/webhooks');
let h: VideoHarness;
let v = '';
let seq = 0;

test.before(async () => {
  h = await startVideoServer({ ROUNDS_LIVEKIT_CLOSE_VISIT_ON_ROOM_FINISHED: 'true' });
  v = await groupVisit(h);
});
test.after(() => h.stop());

function event(kind: string, roomName: string, fields: Partial<P.WebhookEvent> = {}): P.WebhookEvent {
  return new P.WebhookEvent({ event: kind, id: `EV_${++seq}`, createdAt: BigInt(Math.floor(Date.now() / 1000)), room: new P.Room({ name: roomName }), ...fields });
}

const who = (identity: string, role: string, name = identity) => new P.ParticipantInfo({ identity, name, attributes: { role } });
const track = (source: P.TrackSource) => new P.TrackInfo({ sid: `TR_${++seq}`, source });

async function send(e: P.WebhookEvent, opts: { tamper?: boolean; auth?: 'none' | 'bearer'; secret?: string } = {}) {
  const { body, headers } = await webhookRequest(e, LK_KEY, opts.secret ?? LK_SECRET, opts);
  const res = await fetch(`${h.base}/api/livekit/webhook`, { method: 'POST', headers, body });
  return { status: res.status, json: await res.json() as any };
}

test('participant joined → roster entry with an open interval in the main room; timeline', async () => {
  const r = await send(event('participant_joined', `visit/${v}`, { participant: who('dr-chen', 'clinician', 'Dr Chen') }));
  assert.is(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json, { applied: true, type: 'joined' });
  const e = (await room(h, v)).roster.find((x) => x.id === 'dr-chen')!;
  assert.is(e.role, 'clinician');
  assert.is(e.location, 'main');
  assert.is(e.intervals.length, 1);
  assert.is(e.intervals[0]!.leave, undefined);
  assert.ok((await room(h, v)).timeline.some((t) => t.type === 'video.joined' && t.detail.participantId === 'dr-chen'));
});

test('tracks → media and modality over time (video, then audio-only)', async () => {
  await send(event('track_published', `visit/${v}`, { participant: who('dr-chen', 'clinician'), track: track(P.TrackSource.MICROPHONE) }));
  let r = await room(h, v);
  assert.is(r.video.modality, 'audio');
  await send(event('track_published', `visit/${v}`, { participant: who('dr-chen', 'clinician'), track: track(P.TrackSource.CAMERA) }));
  r = await room(h, v);
  assert.equal(r.roster.find((x) => x.id === 'dr-chen')!.media, { camera: true, microphone: true, screen: false });
  assert.is(r.video.modality, 'video');
  await send(event('track_unpublished', `visit/${v}`, { participant: who('dr-chen', 'clinician'), track: track(P.TrackSource.CAMERA) }));
  r = await room(h, v);
  assert.is(r.video.modality, 'audio');
  assert.equal(r.timeline.filter((t) => t.type === 'modality').map((t) => t.detail.modality), ['audio', 'video', 'audio']);
});

test('refused with 401 and nothing changes: tampered body, wrong key, missing header, Bearer prefix', async () => {
  const before = JSON.stringify(await room(h, v));
  const left = () => event('participant_left', `visit/${v}`, { participant: who('dr-chen', 'clinician') });
  for (const opts of [{ tamper: true }, { secret: 'another-livekit-secret-0123456789abcdef' }, { auth: 'none' as const }, { auth: 'bearer' as const }]) {
    const r = await send(left(), opts);
    assert.is(r.status, 401, JSON.stringify(opts));
    assert.is(r.json.error.code, 'ERR_WEBHOOK_UNAUTHORIZED');
  }
  const tamperedFinish = await send(event('room_finished', `visit/${v}`), { tamper: true });
  assert.is(tamperedFinish.status, 401);
  assert.is(JSON.stringify(await room(h, v)), before);
});

test('a repeated delivery (same event id) is acknowledged but not applied twice', async () => {
  const e = event('participant_joined', `visit/${v}`, { participant: who('int-1', 'interpreter') });
  assert.equal((await send(e)).json, { applied: true, type: 'joined' });
  assert.equal((await send(e)).json, { applied: false, type: 'joined' });
  assert.is((await room(h, v)).timeline.filter((t) => t.type === 'video.joined' && t.detail.participantId === 'int-1').length, 1);
});

test('leaving the main room on the way to a breakout keeps the interval; leaving the breakout ends it', async () => {
  await admit(h, v, 'pat-1');
  await call(h.base, 'POST', `/api/visits/${v}/breakouts`, h.dr, { breakoutId: 'b1' });
  await call(h.base, 'POST', `/api/visits/${v}/breakouts/b1/assign`, h.dr, { participantIds: ['pat-1'] });
  await send(event('participant_joined', `visit/${v}/breakout/b1`, { participant: who('pat-1', 'patient') }));
  await send(event('participant_left', `visit/${v}`, { participant: who('pat-1', 'patient') }));
  let e = (await room(h, v)).roster.find((x) => x.id === 'pat-1')!;
  assert.is(e.location, 'breakout');
  assert.is(e.intervals.at(-1)!.leave, undefined);
  await send(event('participant_left', `visit/${v}/breakout/b1`, { participant: who('pat-1', 'patient') }));
  e = (await room(h, v)).roster.find((x) => x.id === 'pat-1')!;
  assert.is(e.location, 'left');
  assert.ok(e.intervals.at(-1)!.leave);
});

test('the SFU removes people the roster does not place in that room (older tokens still valid)', async () => {
  assert.is((await call(h.base, 'POST', `/api/visits/${v}/video-token`, h.dr)).status, 200);
  const main = `visit/${v}`;
  // pat-1 left the breakout above; a patient who is gone is re-admitted before rejoining.
  h.lk.join(main, 'pat-1');
  assert.equal((await send(event('participant_joined', main, { participant: who('pat-1', 'patient') }))).json, { applied: false, type: 'joined' });
  assert.not.ok(h.lk.participants.get(main)!.has('pat-1'));
  let e = (await room(h, v)).roster.find((x) => x.id === 'pat-1')!;
  assert.is(e.location, 'left');
  assert.ok(e.intervals.at(-1)!.leave, 'no interval reopened');
  // A waiting patient is not in the call until admitted.
  const p2 = await apiToken('pat-2', 'patient');
  await call(h.base, 'POST', `/api/visits/${v}/commands`, p2, { type: 'checkIn', participantId: 'pat-2', displayName: 'P2' });
  h.lk.join(main, 'pat-2');
  await send(event('participant_joined', main, { participant: who('pat-2', 'patient') }));
  assert.not.ok(h.lk.participants.get(main)!.has('pat-2'));
  e = (await room(h, v)).roster.find((x) => x.id === 'pat-2')!;
  assert.is(e.location, 'waiting');
  assert.equal(e.intervals, []);
  // A patient the roster does not know at all.
  h.lk.join(main, 'pat-x');
  await send(event('participant_joined', main, { participant: who('pat-x', 'patient') }));
  assert.not.ok(h.lk.participants.get(main)!.has('pat-x'));
  assert.not.ok((await room(h, v)).roster.some((x) => x.id === 'pat-x'));
  assert.is((await room(h, v)).timeline.filter((t) => t.type === 'video.refused').length, 3);
  await call(h.base, 'POST', `/api/visits/${v}/commands`, p2, { type: 'leave', participantId: 'pat-2' });
});

test('events for rooms Rounds did not name are acknowledged and ignored', async () => {
  const r = await send(event('participant_joined', 'someone-elses-room', { participant: who('x', 'patient') }));
  assert.equal(r.json, { applied: false, type: 'ignored' });
});

test('room finished → everyone in it leaves; with the setting on, the visit closes', async () => {
  await send(event('participant_joined', `visit/${v}`, { participant: who('dr-chen', 'clinician') }));
  const r = await send(event('room_finished', `visit/${v}`));
  assert.is(r.status, 200);
  const snap = await room(h, v);
  for (const e of snap.roster) assert.ok(e.location === 'left' || e.location === 'waiting', `${e.id} ${e.location}`);
  assert.ok(snap.timeline.some((t) => t.type === 'video.roomFinished'));
  const visit = await call(h.base, 'GET', `/api/visits/${v}`, h.dr);
  assert.is(visit.json.status, 'closed');
  assert.is(visit.json.closeReason, 'everyone-left');
  // After the close, events change nothing.
  assert.equal((await send(event('participant_joined', `visit/${v}`, { participant: who('dr-chen', 'clinician') }))).json, { applied: false, type: 'joined' });
  assert.is((await call(h.base, 'POST', `/api/visits/${v}/video-token`, h.dr)).json.error.code, 'ERR_VISIT_ENDED');
});

test.run();
