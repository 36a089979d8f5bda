/**
 * Recording through Egress: records with viewers and a retention date from the state policy,
 * PHI screen shares kept out of the recording (audio-only segment while one is on), the
 * timeline records it, every access is audited, and records past retention are deleted.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as P from '@livekit/protocol';
import { apiToken, call } from '../helpers/api.ts';
import { webhookRequest } from './contract-server.ts';
import { admit, groupVisit, LK_KEY, LK_SECRET, room, startVideoServer, type VideoHarness } from './video-server.ts';
import { openSqlite } from '../../db/sqlite/connection.ts';
import { SqliteRecordingRepository } from '../../db/sqlite/livekit/recording-repo.ts';
import { RecordingService } from '../../livekit/recordings.ts';
import { retainUntil, type RecordingRecord } from '../../livekit/recording.ts';
import { retentionPolicy } from '../../livekit/settings.ts';
import type { VideoService } from '../../livekit/service.ts';

const test = suite('livekit/recordings');
let h: VideoHarness;
let v = '';

test.before(async () => {
  h = await startVideoServer();
  v = await groupVisit(h);
});
test.after(() => h.stop());

const post = (path: string, tok: string, body?: unknown) => call(h.base, 'POST', `/api/visits/${v}${path}`, tok, body);
const egressOf = (id: string) => h.lk.egress.get(id)!;
const composite = (id: string) => egressOf(id).request.value as P.RoomCompositeEgressRequest;

async function webhook(e: P.WebhookEvent) {
  const { body, headers } = await webhookRequest(e, LK_KEY, LK_SECRET);
  const res = await fetch(`${h.base}/api/livekit/webhook`, { method: 'POST', headers, body });
  return res.status;
}

let first: RecordingRecord;

test('start: clinicians only; Egress room composite to S3; record with viewers and state retention', async () => {
  assert.is((await post('/recording/start', await apiToken('pat-1', 'patient'))).status, 403);
  const r = await post('/recording/start', h.dr);
  assert.is(r.status, 201, JSON.stringify(r.json));
  first = r.json;
  assert.is(first.state, 'active');
  assert.equal(first.viewers, ['dr-chen']);
  assert.is(first.patientState, 'MA');
  // MA is configured to 10 years in this test (ROUNDS_RECORDING_RETENTION_BY_STATE=MA:10).
  assert.is(new Date(first.retainUntil).getUTCFullYear() - new Date(first.startedAt).getUTCFullYear(), 10);
  const req = composite(first.egressId);
  assert.is(req.roomName, `visit/${v}`);
  assert.is(req.audioOnly, false);
  assert.is(req.fileOutputs[0]!.filepath, `rounds/${v}/${first.id}.mp4`);
  assert.is((req.fileOutputs[0]!.output.value as P.S3Upload).bucket, 'rounds-recordings');
  assert.is((await room(h, v)).video.recording, 'on');
  assert.is((await post('/recording/start', h.dr)).json.error.code, 'ERR_RECORDING_ACTIVE');
});

test('a PHI screen share is excluded: video recording stops, audio-only segment; timeline records it', async () => {
  const r = await post('/screen-share', h.dr, { phi: true });
  assert.is(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json, { phi: true, recording: 'audio-only' });
  assert.is(egressOf(first.egressId).status, P.EgressStatus.EGRESS_ENDING, 'the video egress was stopped');
  const active = [...h.lk.egress.values()].filter((e) => e.status === P.EgressStatus.EGRESS_STARTING);
  assert.is(active.length, 1);
  assert.is(composite(active[0]!.egressId).audioOnly, true);
  const snap = await room(h, v);
  assert.is(snap.video.recording, 'audio-only');
  assert.ok(snap.timeline.some((t) => t.type === 'screenShare' && t.detail.phi === true && t.detail.participantId === 'dr-chen'));
  assert.ok(snap.timeline.some((t) => t.type === 'recording' && t.detail.state === 'audio-only' && t.detail.reason === 'phi-screen-share'));
});

test('when the PHI share ends (track unpublished webhook), video recording resumes in a new segment', async () => {
  await webhook(new P.WebhookEvent({ event: 'participant_joined', id: 'EV_j', room: new P.Room({ name: `visit/${v}` }), participant: new P.ParticipantInfo({ identity: 'dr-chen', attributes: { role: 'clinician' } }) }));
  const status = await webhook(new P.WebhookEvent({
    event: 'track_unpublished', id: 'EV_u', room: new P.Room({ name: `visit/${v}` }),
    participant: new P.ParticipantInfo({ identity: 'dr-chen', attributes: { role: 'clinician' } }), track: new P.TrackInfo({ sid: 'TR_s', source: P.TrackSource.SCREEN_SHARE }),
  }));
  assert.is(status, 200);
  const snap = await room(h, v);
  assert.is(snap.video.recording, 'on');
  assert.equal(snap.video.shares, {});
  const active = [...h.lk.egress.values()].filter((e) => e.status === P.EgressStatus.EGRESS_STARTING);
  assert.is(active.length, 1);
  assert.is(composite(active[0]!.egressId).audioOnly, false);
});

test('stop; egress ended webhook completes the record with its storage location', async () => {
  const stop = await post('/recording/stop', h.dr);
  assert.is(stop.status, 200, JSON.stringify(stop.json));
  assert.is(stop.json.stopped.length, 1);
  assert.is((await post('/recording/stop', h.dr)).json.error.code, 'ERR_NO_ACTIVE_RECORDING');
  const ended = new P.EgressInfo({
    egressId: first.egressId, roomName: `visit/${v}`, status: P.EgressStatus.EGRESS_COMPLETE, endedAt: BigInt(Date.now()) * 1_000_000n,
    fileResults: [new P.FileInfo({ filename: `rounds/${v}/${first.id}.mp4`, location: `s3://rounds-recordings/rounds/${v}/${first.id}.mp4`, size: 1234n, duration: 5_000_000_000n })],
  });
  assert.is(await webhook(new P.WebhookEvent({ event: 'egress_ended', id: 'EV_e', egressInfo: ended })), 200);
  const got = await call(h.base, 'GET', `/api/visits/${v}/recordings/${first.id}`, h.dr);
  assert.is(got.status, 200);
  assert.is(got.json.state, 'complete');
  assert.is(got.json.location, `s3://rounds-recordings/rounds/${v}/${first.id}.mp4`);
  assert.is(got.json.sizeBytes, 1234);
  assert.is(got.json.durationMs, 5000);
});

test('every access is audited; only listed viewers see recordings', async () => {
  const list = await call(h.base, 'GET', `/api/visits/${v}/recordings`, h.dr);
  assert.is(list.status, 200);
  assert.is(list.json.recordings.length, 3);
  const got = await call(h.base, 'GET', `/api/visits/${v}/recordings/${first.id}`, h.dr);
  const actions = got.json.access.map((a: { action: string; actor: string }) => `${a.actor}:${a.action}`);
  assert.equal(actions, ['dr-chen:create', 'dr-chen:update', 'livekit:update', 'dr-chen:view', 'dr-chen:list', 'dr-chen:view']);
  const other = await apiToken('dr-other', 'clinician');
  assert.equal((await call(h.base, 'GET', `/api/visits/${v}/recordings`, other)).json.recordings, []);
  assert.is((await call(h.base, 'GET', `/api/visits/${v}/recordings/${first.id}`, other)).status, 403);
  assert.is((await call(h.base, 'GET', `/api/visits/${v}/recordings/${first.id}`, await apiToken('pat-1', 'patient'))).status, 403);
});

test('a recording still running when the visit closes can still be stopped; no new one starts', async () => {
  const started = await post('/recording/start', h.dr);
  assert.is(started.status, 201, JSON.stringify(started.json));
  await admit(h, v, 'pat-1');
  const closed = await post('/close', h.dr);
  assert.is(closed.status, 200, JSON.stringify(closed.json));
  const stop = await post('/recording/stop', h.dr);
  assert.is(stop.status, 200, JSON.stringify(stop.json));
  assert.equal(stop.json.stopped, [started.json.id]);
  assert.is(egressOf(started.json.egressId).status, P.EgressStatus.EGRESS_ENDING);
  assert.is((await post('/recording/start', h.dr)).json.error.code, 'ERR_VISIT_ENDED');
});

test('retention: state policy within 5-10 years; records past it are deleted (object, then record)', async () => {
  const policy = retentionPolicy(7, 'NY:6,CA:10');
  assert.ok(typeof policy !== 'string');
  assert.is(retainUntil(policy, 'NY', new Date('2026-01-15T00:00:00Z')), '2032-01-15T00:00:00.000Z');
  assert.is(retainUntil(policy, 'TX', new Date('2026-01-15T00:00:00Z')), '2033-01-15T00:00:00.000Z');
  assert.type(retentionPolicy(4, ''), 'string');
  assert.type(retentionPolicy(7, 'NY:11'), 'string');
  assert.type(retentionPolicy(7, 'XX:7'), 'string');

  const db = openSqlite(':memory:');
  const repo = new SqliteRecordingRepository(db.raw);
  const base: RecordingRecord = {
    id: 'rec-a', visitId: 'v-1', egressId: 'EG_a', room: 'visit/v-1', state: 'complete', audioOnly: false, location: 's3://b/a.mp4',
    sizeBytes: 1, durationMs: 1, startedAt: '2020-01-01T00:00:00.000Z', endedAt: '2020-01-01T01:00:00.000Z', patientState: 'NY',
    retainUntil: '2026-01-01T00:00:00.000Z', viewers: ['dr-chen'], createdBy: 'dr-chen', deletedAt: null,
  };
  repo.save(base, { actor: 'dr-chen', role: 'clinician', action: 'create', at: base.startedAt });
  repo.save({ ...base, id: 'rec-b', egressId: 'EG_b', retainUntil: '2030-01-01T00:00:00.000Z' }, { actor: 'dr-chen', role: 'clinician', action: 'create', at: base.startedAt });
  repo.save({ ...base, id: 'rec-c', egressId: 'EG_c', state: 'active' }, { actor: 'dr-chen', role: 'clinician', action: 'create', at: base.startedAt });
  const deletedObjects: string[] = [];
  const svc = new RecordingService(null as unknown as VideoService, repo, async (loc) => { deletedObjects.push(loc); });
  assert.equal(await svc.purgeExpired(new Date('2026-06-01T00:00:00Z')), ['rec-a']);
  assert.equal(deletedObjects, ['s3://b/a.mp4']);
  assert.is(repo.byId('rec-a')!.state, 'deleted');
  assert.is(repo.byId('rec-b')!.state, 'complete');
  assert.is(repo.byId('rec-c')!.state, 'active', 'an active recording is never deleted under the recorder');
  assert.equal(repo.accessLog('rec-a').map((a) => a.action), ['create', 'delete']);
  assert.equal(await svc.purgeExpired(new Date('2026-06-01T00:00:00Z')), [], 'idempotent');
  db.close();
});

test.run();
