/** Guest room-token renewal rules (server/visits/guest-renewal.ts): who, while what holds, and for how long. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  GUEST_RENEWAL_STATUS, GUEST_SESSION_MAX_S, GUEST_TOKEN_MAX_TTL_S, inviteIdOf, planGuestRenewal,
  type PresentedToken, type RenewalFacts,
} from '../../../server/visits/guest-renewal.ts';
import type { Invite } from '../../../server/visits/invites.ts';
import type { RosterEntry } from '../../../server/visits/room-doc.ts';
import { T0, at, iso, visit } from './helpers.ts';

const test = suite('visits/guest-renewal');
const S0 = T0 / 1000;
const HOUR = 3600;

const patientToken = (over: Partial<PresentedToken> = {}): PresentedToken =>
  ({ sub: 'pat-1', role: 'patient', doc: 'visit/v1/room', access: 'read', iat: S0, exp: S0 + HOUR, ...over });

const invite = (over: Partial<Invite> = {}): Invite => ({
  id: 'i-1', visitId: 'v1', role: 'interpreter', language: 'es', createdBy: 'dr-chen', createdAt: iso(-10), expiresAt: iso(1440),
  usedAt: iso(0), usedBy: 'interpreter-i-1', tokenHash: 'x', codeHash: 'y', failedCodeAttempts: 0, attempts: [], ...over,
});

const entry = (over: Partial<RosterEntry> = {}): RosterEntry => ({
  id: 'pat-1', displayName: 'Ana Patient', role: 'patient', intervals: [], media: { camera: true, microphone: true, screen: false },
  handRaised: false, location: 'main', ...over,
});

const facts = (over: Partial<RenewalFacts> = {}): RenewalFacts => ({ token: patientToken(), visit: visit({ status: 'in-progress' }), rosterEntry: null, invite: null, ...over });
const code = (f: RenewalFacts, now = at(30)) => { const r = planGuestRenewal(f, now); return r.ok ? 'ok' : r.error.code; };

test('a patient of the visit renews: the same claims, the session start kept, the same lifetime', () => {
  const r = planGuestRenewal(facts(), at(30));
  assert.ok(r.ok);
  assert.equal(r.value, { claims: { sub: 'pat-1', role: 'patient', doc: 'visit/v1/room', access: 'read', authTime: S0 }, ttlSeconds: HOUR });
  // A renewed token carries auth_time: renewing it again keeps the start where it was.
  const again = planGuestRenewal(facts({ token: patientToken({ iat: S0 + 1800, exp: S0 + 1800 + 600, authTime: S0 }) }), at(35));
  assert.equal(again.ok && again.value, { claims: { sub: 'pat-1', role: 'patient', doc: 'visit/v1/room', access: 'read', authTime: S0 }, ttlSeconds: 600 });
});

test('an interpreter or caregiver renews only with the invite that names them as its redeemer', () => {
  const interp = patientToken({ sub: 'interpreter-i-1', role: 'interpreter' });
  assert.is(code(facts({ token: interp, invite: invite() })), 'ok');
  assert.is(code(facts({ token: { ...interp, sub: 'caregiver-i-2', role: 'caregiver' }, invite: invite({ id: 'i-2', role: 'caregiver', usedBy: 'caregiver-i-2' }) })), 'ok');
  assert.is(code(facts({ token: interp, invite: null })), 'ERR_FORBIDDEN', 'no invite (e.g. a hand-minted interpreter token)');
  assert.is(code(facts({ token: interp, invite: invite({ usedBy: 'interpreter-i-9' }) })), 'ERR_FORBIDDEN');
  assert.is(code(facts({ token: interp, invite: invite({ visitId: 'v2' }) })), 'ERR_FORBIDDEN');
  assert.is(code(facts({ token: interp, invite: invite({ role: 'caregiver' }) })), 'ERR_FORBIDDEN');
  assert.is(code(facts({ token: interp, invite: invite({ usedAt: undefined, usedBy: undefined }) })), 'ERR_FORBIDDEN', 'never redeemed');
  assert.is(code(facts({ token: interp, invite: invite({ revokedAt: iso(20), revokedBy: 'dr-chen' }) })), 'ERR_INVITE_REVOKED');
  assert.is(inviteIdOf('interpreter', 'interpreter-i-1'), 'i-1');
  assert.is(inviteIdOf('interpreter', 'interpreter-'), null);
  assert.is(inviteIdOf('caregiver', 'interpreter-i-1'), null);
});

test('only a guest\'s own room token for this visit: not a session\'s, the note\'s, another visit\'s, another patient\'s', () => {
  for (const [over, why] of [
    [{ role: 'clinician' }, 'clinical role'], [{ role: 'observer' }, 'observer'], [{ sid: 's-1' }, 'session token'],
    [{ doc: 'api' }, 'api token'], [{ doc: 'visit/v1/*' }, 'wildcard'], [{ doc: 'visit/v1/note' }, 'note'], [{ doc: 'visit/v2/room' }, 'other visit'],
    [{ sub: 'pat-9' }, 'not a patient of this visit'],
  ] as const) {
    assert.is(code(facts({ token: patientToken(over) })), 'ERR_FORBIDDEN', why);
  }
});

test('refused once the visit has ended or the clinical team removed them', () => {
  for (const status of ['closed', 'cancelled', 'no-show'] as const) assert.is(code(facts({ visit: visit({ status }) })), 'ERR_VISIT_ENDED', status);
  for (const status of ['scheduled', 'waiting', 'in-progress'] as const) assert.is(code(facts({ visit: visit({ status }) })), 'ok', status);
  assert.is(code(facts({ rosterEntry: entry({ removedAt: iso(20), removedBy: 'dr-chen' }) })), 'ERR_REMOVED');
  assert.is(code(facts({ rosterEntry: entry({ location: 'left' }) })), 'ok', 'leaving is not removal');
});

test('no token outlives the session bound: the last ones are cut short, then renewal is refused', () => {
  const end = GUEST_SESSION_MAX_S / 60;
  const late = planGuestRenewal(facts({ visit: visit({ status: 'in-progress' }) }), at(end - 10));
  assert.is(late.ok && late.value.ttlSeconds, 600, 'ten minutes left: a ten-minute token');
  assert.is(code(facts(), at(end - 0.5)), 'ERR_GUEST_SESSION_EXPIRED', 'under a minute left');
  assert.is(code(facts(), at(end + 60)), 'ERR_GUEST_SESSION_EXPIRED');
  // The start is auth_time when the token has one (a redemption's), else the link token's iat.
  assert.is(code(facts({ token: patientToken({ iat: S0 + 11 * HOUR, exp: S0 + 12 * HOUR, authTime: S0 }) }), at(end)), 'ERR_GUEST_SESSION_EXPIRED');
  assert.is(code(facts({ token: patientToken({ iat: S0 + 11 * HOUR, exp: S0 + 12 * HOUR }) }), at(end)), 'ok');
  // A long-lived link token gives a token of at most an hour.
  const long = planGuestRenewal(facts({ token: patientToken({ exp: S0 + 24 * HOUR }) }), at(1));
  assert.is(long.ok && long.value.ttlSeconds, GUEST_TOKEN_MAX_TTL_S);
});

test('statuses match the visit vocabulary; a bad clock is a caller bug', () => {
  assert.equal(GUEST_RENEWAL_STATUS, { ERR_FORBIDDEN: 403, ERR_VISIT_ENDED: 409, ERR_INVITE_REVOKED: 410, ERR_REMOVED: 403, ERR_GUEST_SESSION_EXPIRED: 401 });
  assert.throws(() => planGuestRenewal(facts(), new Date(Number.NaN)), TypeError);
});

test.run();
