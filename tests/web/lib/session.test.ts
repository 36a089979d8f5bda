/**
 * The guest's room token kept for the tab (web/lib/session.ts): only a guest's unexpired room
 * token for the right visit is restored; one that can bring nobody back is removed; tokens never
 * go to localStorage.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { forgetRoomToken, keepRoomToken, RESTORE_MIN_LEFT_MS, restorableRoomToken, storedRoomToken } from '../../../web/lib/session.ts';
import { token } from '../../helpers/server.ts';

const test = suite('web/lib/session');
const JOINERS = ['interpreter', 'caregiver'];

/** A Map-backed Storage for sessionStorage (and a localStorage that must stay empty). */
function fakeStorage(): Storage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get length() { return map.size; },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => { map.delete(k); },
    setItem: (k, v) => { map.set(k, String(v)); },
  };
}
const g = globalThis as unknown as { sessionStorage: Storage; localStorage: Storage };
const session = fakeStorage();
const local = fakeStorage();
g.sessionStorage = session;
g.localStorage = local;

const room = (over: Record<string, unknown> = {}, ttl = 600) =>
  token({ doc: 'visit/v-1/room', sub: 'interpreter-i-1', role: 'interpreter', access: 'read', ...over }, ttl);

test('restorable: a guest room token of an allowed role, for the visit, with time left', async () => {
  const now = Date.now();
  const t = await room();
  assert.equal(restorableRoomToken(t, JOINERS, now)?.visitId, 'v-1');
  assert.is(restorableRoomToken(t, JOINERS, now)?.claims.sub, 'interpreter-i-1');
  assert.is(restorableRoomToken(t, JOINERS, now, 'v-1')?.visitId, 'v-1');
  assert.is(restorableRoomToken(t, JOINERS, now, 'v-2'), null, 'another visit');
  assert.is(restorableRoomToken(t, ['patient'], now), null, 'another role');
  assert.is(restorableRoomToken(null, JOINERS, now), null);
  assert.is(restorableRoomToken('not a jwt', JOINERS, now), null);
  assert.is(restorableRoomToken(await room({ doc: 'visit/v-1/note' }), JOINERS, now), null, 'not the room');
  assert.is(restorableRoomToken(await room({ doc: 'visit/v-1/*' }), JOINERS, now), null, 'not the room alone');
  assert.is(restorableRoomToken(await room({ sid: 's-1' }), JOINERS, now), null, 'a session\'s token');
  // Expiry: restored with more than RESTORE_MIN_LEFT_MS left, not with less.
  const exp = (restorableRoomToken(t, JOINERS, now)!.claims.exp) * 1000;
  assert.ok(restorableRoomToken(t, JOINERS, exp - RESTORE_MIN_LEFT_MS - 1));
  assert.is(restorableRoomToken(t, JOINERS, exp - RESTORE_MIN_LEFT_MS + 1), null);
  assert.is(restorableRoomToken(t, JOINERS, exp + 1), null);
});

test('stored: kept in sessionStorage only; an expired one is removed, another guest\'s is left alone', async () => {
  session.clear();
  const t = await room();
  keepRoomToken(t);
  assert.equal([...session.map.keys()], ['rounds.room']);
  assert.is(local.length, 0, 'nothing in localStorage');
  assert.equal(storedRoomToken(JOINERS)?.token, t);
  assert.is(storedRoomToken(JOINERS)?.visitId, 'v-1');
  // The patient page of this or another visit does not take it, and does not remove it either.
  assert.is(storedRoomToken(['patient'], 'v-1'), null);
  assert.is(storedRoomToken(JOINERS, 'v-2'), null);
  assert.is(session.getItem('rounds.room'), t);
  // Expired (as seen from later): removed.
  assert.is(storedRoomToken(JOINERS, undefined, Date.now() + 3_600_000), null);
  assert.is(session.getItem('rounds.room'), null);
  keepRoomToken(t);
  forgetRoomToken();
  assert.is(storedRoomToken(JOINERS), null);
  keepRoomToken('garbage');
  assert.is(storedRoomToken(JOINERS), null);
  assert.is(session.getItem('rounds.room'), null, 'not a token: removed');
});

test.run();
