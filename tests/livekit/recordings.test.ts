/**
 * Recording through Egress: records with viewers and a retention date from the state policy,
 * PHI screen shares kept out of the recording (audio-only segment while one is on), the
 * timeline records it, and every access is audited. Runs once per storage backend (SQLite,
 * Postgres); deletion after retention is in recording-purge.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as P from '@livekit/protocol';
import { apiToken, call } from '../helpers/api.ts';
import { webhookRequest } from './contract-server.ts';
import { admit, groupVisit, LK_KEY, LK_SECRET, room, startVideoServer, type VideoHarness } from './video-server.ts';
import type { RecordingRecord } from '../../livekit/recording.ts';
import type { Backend, BackendFactory } from '../helpers/backend.ts';
import { RECORDING_BACKENDS } from './recording-backends.ts';

for (const b of RECORDING_BACKENDS) recordingSuite(b);

function recordingSuite(factory: BackendFactory) {
  const test = suite(`livekit/recordings (${factory.name})`);
  let h: VideoHarness;
  let backend: Backend;
  let v = '';

  test.before(async () => {
    backend = await factory.open();
    h = await startVideoServer(backend.env);
    v = await groupVisit(h);
  });
  test.after(async () => {
    await h.stop();
    await backend.drop();
  });

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

  test(`records and their audit rows are stored in ${factory.name}`, async () => {
    const rows = await backend.rows(h.dir, `select state from video_recordings where id = '${first.id}'`);
    assert.equal(rows, [{ state: 'complete' }]);
    const views = await backend.rows(h.dir, `select actor from video_recording_access where recording_id = '${first.id}' and action = 'view'`);
    assert.equal(views, [{ actor: 'dr-chen' }, { actor: 'dr-chen' }]);
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

  test.run();
}
