import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkSession, lockedUntil, mfaRequired, sessionsOverLimit, WindowLimiter } from '../../../../server/security/auth/policy.ts';
import { parseRoleMap, roleFromGroups } from '../../../../server/security/auth/sso.ts';
import { readSessionCookie } from '../../../../server/security/auth/cookies.ts';

const test = suite('sign-in and session policy');
const P = { idleMs: 15 * 60_000, rotateMs: 60 * 60_000, maxPerUser: 3 };

test('lockout: five free attempts, then 30 s doubling up to an hour', () => {
  assert.equal([1, 4].map((n) => lockedUntil(n, 0)), [0, 0]);
  assert.equal([5, 6, 7, 8].map((n) => lockedUntil(n, 0)), [30_000, 60_000, 120_000, 240_000]);
  assert.is(lockedUntil(40, 0), 3_600_000);
});

test('MFA is required for clinical, billing and admin roles', () => {
  assert.equal(['clinician', 'nurse', 'scribe', 'billing', 'admin', 'observer', 'patient'].map(mfaRequired), [true, true, true, true, true, false, false]);
});

test('session checks: idle at exactly 15 minutes, rotation at 60', () => {
  const s = { sid: 'a', createdAt: 0, lastSeenAt: 0, rotatedAt: 0 };
  assert.equal(checkSession(s, 15 * 60_000 - 1, P), { live: true, rotate: false });
  assert.equal(checkSession(s, 15 * 60_000, P), { live: false, reason: 'idle' });
  assert.equal(checkSession({ ...s, lastSeenAt: 59 * 60_000 }, 60 * 60_000, P), { live: true, rotate: true });
});

test('the session limit ends the oldest sessions first', () => {
  const live = [3, 1, 2].map((t) => ({ sid: `s${t}`, createdAt: t, lastSeenAt: t, rotatedAt: t }));
  assert.equal(sessionsOverLimit(live, 3), ['s1']);
  assert.equal(sessionsOverLimit(live, 1), ['s1', 's2', 's3']);
  assert.equal(sessionsOverLimit(live.slice(0, 1), 3), []);
});

test('window limiter counts per key and resets per window', () => {
  const l = new WindowLimiter(2, 1000);
  assert.equal([l.hit('a', 0), l.hit('a', 1), l.hit('a', 2), l.hit('b', 2), l.hit('a', 1000)], [true, true, false, true, true]);
});

test('group → role map: ordered, account roles only, first match wins', () => {
  const map = parseRoleMap('md=clinician, rn = nurse,ops=admin');
  assert.equal(map, [['md', 'clinician'], ['rn', 'nurse'], ['ops', 'admin']]);
  if (typeof map === 'string') return;
  assert.is(roleFromGroups(['rn', 'md'], map), 'clinician');
  assert.is(roleFromGroups('rn', map), 'nurse');
  assert.is(roleFromGroups(['cafeteria'], map), null);
  assert.is(roleFromGroups(undefined, map), null);
  assert.is(roleFromGroups([{ md: true }], map), null);
  assert.type(parseRoleMap('everyone=patient'), 'string');
  assert.type(parseRoleMap('noequals'), 'string');
  assert.type(parseRoleMap(''), 'string');
});

test('the session cookie is read only in its exact shape', () => {
  const v = 'A'.repeat(43);
  assert.is(readSessionCookie(`a=b; rounds_session=${v}; c=d`), v);
  assert.is(readSessionCookie(`rounds_session=${v}x`), null);
  assert.is(readSessionCookie('rounds_session=../../etc'), null);
  assert.is(readSessionCookie(undefined), null);
});

test.run();
