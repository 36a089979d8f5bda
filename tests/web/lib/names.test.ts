/** Pure display helpers of the web app: sync labels, colours, wait times, token claims. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { colorFor, minutes, syncLabel } from '../../../web/lib/names.ts';
import { claimsOf } from '../../../web/lib/session.ts';
import { token } from '../../helpers/server.ts';

const test = suite('web/lib/names');

test('sync labels say what happens to pending edits and why a connection ended', () => {
  assert.is(syncLabel('live', 0), 'Live');
  assert.is(syncLabel('offline', 0), 'Offline');
  assert.is(syncLabel('offline', 1), 'Offline — 1 edit will be sent when back online');
  assert.is(syncLabel('offline', 3), 'Offline — 3 edits will be sent when back online');
  assert.is(syncLabel('reconnecting', 2), 'Reconnecting — 2 edits not yet saved');
  assert.is(syncLabel('closed', 0, 4004), 'Visit closed — read only');
  assert.is(syncLabel('closed', 0, 4006), 'Session expired — open your link again');
  assert.is(syncLabel('closed', 0, 4005), 'Session ended — sign in again');
  assert.is(syncLabel('idle', 0), 'Paused while you were away — type or click to resume');
  assert.is(syncLabel('closed', 0, 4003), 'Disconnected');
});

test('colours are stable per id; waits are rounded to whole minutes, unknown stays unknown', () => {
  assert.is(colorFor('dr-chen'), colorFor('dr-chen'));
  assert.is.not(colorFor('dr-chen'), colorFor('dr-ali'));
  assert.is(minutes(null), 'unknown');
  assert.is(minutes(10_000), 'about 1 minute');
  assert.is(minutes(5 * 60_000 + 20_000), 'about 5 minutes');
});

test('claims are read for display from a real token; junk gives null', async () => {
  const t = await token({ doc: 'visit/v-1/room', sub: 'pat-1', role: 'patient', access: 'read' });
  const c = claimsOf(t);
  assert.equal({ sub: c?.sub, role: c?.role, doc: c?.doc }, { sub: 'pat-1', role: 'patient', doc: 'visit/v-1/room' });
  assert.ok((c?.exp ?? 0) > Date.now() / 1000);
  for (const junk of [null, '', 'abc', 'a.!!!.c', `a.${Buffer.from('{"sub":1}').toString('base64url')}.c`]) assert.is(claimsOf(junk), null);
});

test.run();
