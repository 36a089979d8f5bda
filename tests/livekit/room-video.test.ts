/** Video state in the room document (pure, over a Y.Doc): presence intervals per room, media, modality, shares. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import { initRoomDoc, readRoom } from '../../server/visits/room-doc.ts';
import { anyPhiShare, currentModality, markScreenShare, readModality, videoJoined, videoLeft, videoRoomFinished, videoTrack } from '../../livekit/room-video.ts';

const test = suite('livekit/room-video');
const t = (m: number) => new Date(Date.UTC(2026, 2, 1, 10, m));

function doc(): Y.Doc {
  const d = new Y.Doc();
  initRoomDoc(d, { visitId: 'v-1', kind: 'group-therapy', status: 'in-progress' });
  return d;
}

test('joined opens one interval; a second join while present does not open another', () => {
  const d = doc();
  assert.ok(videoJoined(d, { identity: 'dr', name: 'Dr', role: 'clinician' }, { visitId: 'v-1' }, t(0)));
  assert.ok(videoJoined(d, { identity: 'dr', name: 'Dr', role: 'clinician' }, { visitId: 'v-1' }, t(1)));
  const e = readRoom(d).roster[0]!;
  assert.equal(e.intervals, [{ join: t(0).toISOString() }]);
  assert.is(e.location, 'main');
  d.destroy();
});

test('unknown roles and malformed identities are not added', () => {
  const d = doc();
  assert.not.ok(videoJoined(d, { identity: 'x', name: 'X', role: 'billing' }, { visitId: 'v-1' }, t(0)));
  assert.not.ok(videoJoined(d, { identity: '../x', name: 'X', role: 'patient' }, { visitId: 'v-1' }, t(0)));
  assert.is(readRoom(d).roster.length, 0);
  d.destroy();
});

test('left closes the interval only for the room the roster places them in', () => {
  const d = doc();
  videoJoined(d, { identity: 'p', name: 'P', role: 'patient' }, { visitId: 'v-1', breakoutId: 'b1' }, t(0));
  videoLeft(d, 'p', { visitId: 'v-1' }, t(1));
  assert.is(readRoom(d).roster[0]!.intervals.at(-1)!.leave, undefined);
  videoLeft(d, 'p', { visitId: 'v-1', breakoutId: 'b1' }, t(2));
  const e = readRoom(d).roster[0]!;
  assert.is(e.intervals.at(-1)!.leave, t(2).toISOString());
  assert.is(e.location, 'left');
  videoJoined(d, { identity: 'p', name: 'P', role: 'patient' }, { visitId: 'v-1' }, t(3));
  assert.is(readRoom(d).roster[0]!.intervals.length, 2, 'rejoining opens a second interval');
  d.destroy();
});

test('tracks drive media and modality; room finished ends presence in that room only', () => {
  const d = doc();
  videoJoined(d, { identity: 'dr', name: 'Dr', role: 'clinician' }, { visitId: 'v-1' }, t(0));
  videoJoined(d, { identity: 'p', name: 'P', role: 'patient' }, { visitId: 'v-1', breakoutId: 'b1' }, t(0));
  videoTrack(d, 'p', 'microphone', true, t(1));
  assert.is(readModality(d), 'audio');
  videoTrack(d, 'dr', 'camera', true, t(2));
  assert.is(readModality(d), 'video');
  assert.is(currentModality(readRoom(d).roster), 'video');
  videoRoomFinished(d, { visitId: 'v-1' }, t(3));
  const r = readRoom(d);
  assert.is(r.roster.find((e) => e.id === 'dr')!.location, 'left');
  assert.is(r.roster.find((e) => e.id === 'p')!.location, 'breakout');
  assert.is(readModality(d), 'audio', 'the camera left with the clinician');
  d.destroy();
});

test('PHI share marking; unpublishing the share clears it', () => {
  const d = doc();
  videoJoined(d, { identity: 'dr', name: 'Dr', role: 'clinician' }, { visitId: 'v-1' }, t(0));
  markScreenShare(d, 'dr', true, t(1));
  assert.ok(anyPhiShare(d));
  videoTrack(d, 'dr', 'screen_share', false, t(2));
  assert.not.ok(anyPhiShare(d));
  const types = readRoom(d).timeline.map((e) => e.type);
  assert.ok(types.includes('screenShare'));
  d.destroy();
});

test.run();
