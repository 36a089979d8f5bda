/**
 * Every RoomService and Egress call Rounds makes (livekit/api.ts), against the Twirp contract
 * server: requests decode with @livekit/protocol and pass the real server's per-method grants;
 * a call with a wrong grant or key is refused there and the failure reaches the caller.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AccessToken, RoomServiceClient } from 'livekit-server-sdk';
import * as P from '@livekit/protocol';
import { LivekitBackend } from '../../livekit/api.ts';
import { VideoError } from '../../livekit/errors.ts';
import { permissionSet, ROLE_GRANTS } from '../../livekit/grants.ts';
import { roomOptions } from '../../livekit/rooms.ts';
import { LivekitContractServer } from './contract-server.ts';

const KEY = 'APIcontract';
const SECRET = 'contract-secret-0123456789abcdef0123456789';
const STORAGE = { bucket: 'rec', region: 'us-east-1', endpoint: 'http://127.0.0.1:9', accessKey: 'ak', secretKey: 'sk', forcePathStyle: true };
const test = suite('livekit/api');
let lk: LivekitContractServer;
let api: LivekitBackend;

const limits = { emptyTimeoutSeconds: 300, maxParticipants: 12 };

async function refused(p: Promise<unknown>): Promise<VideoError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, VideoError);
    return e as VideoError;
  }
  throw new Error('the call was not refused');
}

test.before(async () => {
  lk = await new LivekitContractServer(KEY, SECRET).start();
  api = new LivekitBackend({ url: lk.url.replace('http', 'ws'), apiKey: KEY, apiSecret: SECRET });
});
test.after(() => lk.stop());

test('CreateRoom: named from the visit, limits and metadata linking back; idempotent', async () => {
  await api.createRoom(roomOptions({ visitId: 'v-1' }, limits));
  await api.createRoom(roomOptions({ visitId: 'v-1' }, limits));
  const room = lk.rooms.get('visit/v-1')!;
  assert.is(room.emptyTimeout, 300);
  assert.is(room.maxParticipants, 12);
  assert.equal(JSON.parse(room.metadata), { app: 'rounds', visitId: 'v-1' });
  const last = lk.calls.at(-1)!;
  assert.is(last.method, 'CreateRoom');
  assert.is(last.outcome, 'ok');
  assert.equal((last.request as { name: string }).name, 'visit/v-1');
  assert.equal(await api.listRooms(['visit/v-1']), ['visit/v-1']);
});

test('participant calls carry roomAdmin for that room: update permission, mute, remove', async () => {
  lk.join('visit/v-1', 'pat-1');
  const mic = lk.publish('visit/v-1', 'pat-1', P.TrackSource.MICROPHONE);
  await api.updatePermission('visit/v-1', 'pat-1', permissionSet(ROLE_GRANTS.patient, { sources: ['microphone'] }));
  const perm = lk.participants.get('visit/v-1')!.get('pat-1')!.permission!;
  assert.equal(perm.canPublishSources, [P.TrackSource.MICROPHONE]);
  assert.is(perm.canSubscribe, true);
  assert.is(perm.canPublishData, true);
  await api.mutePublishedTrack('visit/v-1', 'pat-1', mic.sid, true);
  assert.is(mic.muted, true);
  await api.removeParticipant('visit/v-1', 'pat-1');
  assert.not.ok(lk.participants.get('visit/v-1')!.has('pat-1'));
  // Gone: LiveKit's not_found surfaces with its code.
  const e = await refused(api.removeParticipant('visit/v-1', 'pat-1'));
  assert.is(e.code, 'ERR_LIVEKIT_NOT_FOUND');
  assert.is(e.upstream, 'not_found');
});

test('ListParticipants and UpdateSubscriptions carry roomAdmin for that room; not_found and wrong grants surface', async () => {
  lk.join('visit/v-1', 'dr-1', {}, { role: 'clinician' });
  const cam = lk.publish('visit/v-1', 'dr-1', P.TrackSource.CAMERA);
  const mic = lk.publish('visit/v-1', 'dr-1', P.TrackSource.MICROPHONE);
  lk.join('visit/v-1', 'scribe-1', { hidden: true, recorder: true, canSubscribe: true }, { role: 'scribe' });
  const dr = (await api.listParticipants('visit/v-1')).find((p) => p.identity === 'dr-1')!;
  assert.is(dr.role, 'clinician');
  assert.equal(dr.tracks, [{ sid: cam.sid, source: 'camera' }, { sid: mic.sid, source: 'microphone' }]);
  await api.updateSubscriptions('visit/v-1', 'scribe-1', [cam.sid], false);
  const last = lk.calls.at(-1)!;
  assert.equal([last.method, last.outcome], ['UpdateSubscriptions', 'ok']);
  assert.equal((last.request as { identity: string; trackSids: string[] }).trackSids, [cam.sid]);
  assert.equal([...lk.unsubscribed.get('visit/v-1|scribe-1')!], [cam.sid]);
  assert.is((await refused(api.updateSubscriptions('visit/v-1', 'ghost', [cam.sid], false))).code, 'ERR_LIVEKIT_NOT_FOUND');
  const other = new AccessToken(KEY, SECRET);
  other.addGrant({ roomAdmin: true, room: 'visit/v-2' });
  const bad = new LivekitBackend({ url: lk.url, apiKey: KEY, apiSecret: SECRET }, { token: await other.toJwt() });
  assert.is((await refused(bad.updateSubscriptions('visit/v-1', 'scribe-1', [mic.sid], false))).code, 'ERR_LIVEKIT_PERMISSION_DENIED');
  assert.is((await refused(bad.listParticipants('visit/v-1'))).code, 'ERR_LIVEKIT_PERMISSION_DENIED');
  assert.equal([...lk.unsubscribed.get('visit/v-1|scribe-1')!], [cam.sid], 'nothing changed');
});

test('Egress: room composite to S3 storage, then stop (roomRecord grant)', async () => {
  const started = await api.startRoomRecording('visit/v-1', STORAGE, 'rounds/v-1/rec-1.mp4', false);
  assert.match(started.egressId, /^EG_/);
  const info = lk.egress.get(started.egressId)!;
  assert.is(info.request.case, 'roomComposite');
  const req = info.request.value as P.RoomCompositeEgressRequest;
  assert.is(req.roomName, 'visit/v-1');
  assert.is(req.audioOnly, false);
  const file = req.fileOutputs[0]!;
  assert.is(file.filepath, 'rounds/v-1/rec-1.mp4');
  assert.is(file.output.case, 's3');
  assert.is((file.output.value as P.S3Upload).bucket, 'rec');
  await api.stopEgress(started.egressId);
  assert.is(info.status, P.EgressStatus.EGRESS_ENDING);
  const audio = await api.startRoomRecording('visit/v-1', STORAGE, 'rounds/v-1/rec-2.ogg', true);
  assert.is((lk.egress.get(audio.egressId)!.request.value as P.RoomCompositeEgressRequest).audioOnly, true);
});

test('DeleteRoom (roomCreate); a second delete is not_found', async () => {
  await api.createRoom(roomOptions({ visitId: 'v-1', breakoutId: 'b1' }, limits));
  await api.deleteRoom('visit/v-1/breakout/b1');
  assert.not.ok(lk.rooms.has('visit/v-1/breakout/b1'));
  assert.is((await refused(api.deleteRoom('visit/v-1/breakout/b1'))).code, 'ERR_LIVEKIT_NOT_FOUND');
});

test('a wrong grant is refused by the contract server and surfaced (permission_denied)', async () => {
  // A token without roomAdmin, and one with roomAdmin for ANOTHER room.
  const join = new AccessToken(KEY, SECRET, { identity: 'x' });
  join.addGrant({ roomJoin: true, room: 'visit/v-1' });
  const other = new AccessToken(KEY, SECRET);
  other.addGrant({ roomAdmin: true, room: 'visit/v-2' });
  for (const token of [await join.toJwt(), await other.toJwt()]) {
    const bad = new LivekitBackend({ url: lk.url, apiKey: KEY, apiSecret: SECRET }, { token });
    lk.join('visit/v-1', 'pat-2');
    const e = await refused(bad.removeParticipant('visit/v-1', 'pat-2'));
    assert.is(e.code, 'ERR_LIVEKIT_PERMISSION_DENIED');
    assert.is(e.upstream, 'permission_denied');
    assert.is(e.status, 502);
    assert.ok(lk.participants.get('visit/v-1')!.has('pat-2'), 'nothing changed');
    assert.is(lk.calls.at(-1)!.outcome, 'permission_denied');
    assert.is((await refused(bad.createRoom(roomOptions({ visitId: 'v-9' }, limits)))).code, 'ERR_LIVEKIT_PERMISSION_DENIED');
    assert.is((await refused(bad.startRoomRecording('visit/v-1', STORAGE, 'x.mp4', false))).code, 'ERR_LIVEKIT_PERMISSION_DENIED');
    assert.not.ok(lk.rooms.has('visit/v-9'));
  }
});

test('a wrong API secret is refused (unauthenticated) and surfaced', async () => {
  const bad = new LivekitBackend({ url: lk.url, apiKey: KEY, apiSecret: 'wrong-secret-0123456789abcdef0123456789' });
  const e = await refused(bad.createRoom(roomOptions({ visitId: 'v-8' }, limits)));
  assert.is(e.code, 'ERR_LIVEKIT_UNAUTHENTICATED');
  assert.not.ok(lk.rooms.has('visit/v-8'));
});

test('an unreachable server is ERR_LIVEKIT_UNREACHABLE, not a hang or a silent success', async () => {
  const down = new LivekitBackend({ url: 'http://127.0.0.1:9', apiKey: KEY, apiSecret: SECRET });
  assert.is((await refused(down.listRooms([]))).code, 'ERR_LIVEKIT_UNREACHABLE');
});

test('MoveParticipant/ForwardParticipant answer unimplemented, as self-hosted LiveKit does', async () => {
  const sdk = new RoomServiceClient(lk.url, KEY, SECRET);
  for (const call of [() => sdk.moveParticipant('visit/v-1', 'pat-2', 'visit/v-1/breakout/b2'), () => sdk.forwardParticipant('visit/v-1', 'pat-2', 'visit/v-1/breakout/b2')]) {
    try {
      await call();
      assert.unreachable('move accepted');
    } catch (e) {
      assert.is((e as { code?: string }).code, 'unimplemented');
    }
  }
});

test('the contract server decodes protobuf Twirp too, and refuses malformed bodies', async () => {
  const at = new AccessToken(KEY, SECRET);
  at.addGrant({ roomList: true });
  const auth = { authorization: `Bearer ${await at.toJwt()}` };
  const ok = await fetch(`${lk.url}/twirp/livekit.RoomService/ListRooms`, {
    method: 'POST', headers: { ...auth, 'content-type': 'application/protobuf' }, body: Buffer.from(new P.ListRoomsRequest({ names: ['visit/v-1'] }).toBinary()),
  });
  assert.is(ok.status, 200);
  const rooms = P.ListRoomsResponse.fromBinary(new Uint8Array(await ok.arrayBuffer()));
  assert.equal(rooms.rooms.map((r) => r.name), ['visit/v-1']);
  const bad = await fetch(`${lk.url}/twirp/livekit.RoomService/ListRooms`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"names": 5}' });
  assert.is(bad.status, 400);
  assert.is((await bad.json()).code, 'malformed');
});

test.run();
