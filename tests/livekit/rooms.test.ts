/** Room names per visit and breakout, and their creation options. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRoomName, roomName, roomOptions } from '../../livekit/rooms.ts';

const test = suite('livekit/rooms');

test('names round-trip; ids never contain "/" so parsing is unambiguous', () => {
  assert.is(roomName({ visitId: 'v-1' }), 'visit/v-1');
  assert.is(roomName({ visitId: 'v-1', breakoutId: 'b.2' }), 'visit/v-1/breakout/b.2');
  assert.equal(parseRoomName('visit/v-1'), { visitId: 'v-1' });
  assert.equal(parseRoomName('visit/v-1/breakout/b.2'), { visitId: 'v-1', breakoutId: 'b.2' });
  for (const bad of ['', 'visit', 'visit/', 'visit/v-1/x/b', 'visit/v-1/breakout/', 'room/v-1', 'visit/../breakout/x', 'visit/v-1/breakout/b/extra']) {
    assert.is(parseRoomName(bad), null, bad);
  }
  assert.throws(() => roomName({ visitId: 'a/b' }), TypeError);
});

test('options: limits from settings, metadata links back with ids only', () => {
  assert.equal(roomOptions({ visitId: 'v-1', breakoutId: 'b1' }, { emptyTimeoutSeconds: 120, maxParticipants: 8 }), {
    name: 'visit/v-1/breakout/b1', emptyTimeout: 120, departureTimeout: 20, maxParticipants: 8,
    metadata: '{"app":"rounds","visitId":"v-1","breakoutId":"b1"}',
  });
});

test.run();
