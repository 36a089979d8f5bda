/**
 * Sign-in and sessions with a controlled clock, on SQLite and on Postgres: MFA, replay, recovery
 * codes, lockout, idle, rotation, limit, and the atomic steps under racing requests.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { AuditLog } from '../../../../server/security/audit/log.ts';
import { AuthFailure, AuthService } from '../../../../server/security/auth/service.ts';
import { totpCode } from '../../../../server/security/auth/totp.ts';
import { EnvelopeCodec } from '../../../../server/security/crypto/envelope.ts';
import { StaticKms } from '../../../../server/security/crypto/kms.ts';
import { SECURITY_BACKENDS, type SecurityDb } from '../../../helpers/security-db.ts';

const MIN = 60_000;
const PW = 'correct horse battery staple';
const T0 = Date.parse('2026-06-01T09:00:00Z');

for (const backend of SECURITY_BACKENDS) {
const test = suite(`auth service (${backend.name})`);
let db: SecurityDb;
let svc: AuthService;
let audit: AuditLog;
let ended: { sids: string[]; userId: string }[];

test.before.each(async () => {
  db = await backend.open();
  audit = new AuditLog(db.audit);
  ended = [];
  svc = new AuthService({
    store: db.accounts, codec: new EnvelopeCodec(new StaticKms({ id: 'k1', key: randomBytes(32) })), audit,
    policy: { idleMs: 15 * MIN, rotateMs: 60 * MIN, maxPerUser: 3 }, secret: randomBytes(32), syncTokenTtlS: 300,
    onEnded: (sids, userId) => ended.push({ sids, userId }), attemptsPerMinute: 1000,
  });
});
test.after.each(async () => { await audit.flush(); await db.close(); });

async function code(f: () => Promise<unknown>): Promise<string> {
  try { await f(); return 'ok'; } catch (e) { return e instanceof AuthFailure ? e.code : `other: ${(e as Error).message}`; }
}

test('clinical roles must pass TOTP; wrong and replayed codes are refused; recovery codes work once', async () => {
  const u = await svc.createUser({ username: 'dr-chen', role: 'clinician', password: PW }, T0);
  assert.ok(u.totpSecret && u.totpUri?.startsWith('otpauth://totp/'));
  assert.is(u.recoveryCodes?.length, 10);
  const [stored] = await db.exec('SELECT totp_secret, password_hash FROM users') as { totp_secret: string; password_hash: string }[];
  assert.not.ok(stored!.totp_secret.includes(u.totpSecret!), 'TOTP secret sealed at rest');
  assert.match(stored!.password_hash, /^scrypt\$32768\$8\$1\$/);
  assert.is(await code(() => svc.signIn({ username: 'dr-chen', password: PW }, 'a', T0)), 'ERR_MFA_REQUIRED');
  const c = await totpCode(u.totpSecret!, T0);
  const wrong = c === '000000' ? '111111' : '000000';
  assert.is(await code(() => svc.signIn({ username: 'dr-chen', password: PW, code: wrong }, 'a', T0)), 'ERR_MFA_INVALID');
  assert.is(await code(() => svc.signIn({ username: 'dr-chen', password: PW, code: c }, 'a', T0)), 'ok');
  assert.is(await code(() => svc.signIn({ username: 'dr-chen', password: PW, code: c }, 'a', T0 + 1000)), 'ERR_MFA_INVALID', 'replay');
  const later = await totpCode(u.totpSecret!, T0 + 30_000);
  assert.is(await code(() => svc.signIn({ username: 'dr-chen', password: PW, code: later }, 'a', T0 + 30_000)), 'ok');
  const stale = await totpCode(u.totpSecret!, T0 + 60_000);
  assert.is(await code(() => svc.signIn({ username: 'dr-chen', password: PW, code: stale }, 'a', T0 + 5 * MIN)), 'ERR_MFA_INVALID', 'outside the window');
  const rc = u.recoveryCodes![3]!;
  assert.is(await code(() => svc.signIn({ username: 'dr-chen', password: PW, recoveryCode: rc }, 'a', T0 + 6 * MIN)), 'ok');
  assert.is(await code(() => svc.signIn({ username: 'dr-chen', password: PW, recoveryCode: rc }, 'a', T0 + 7 * MIN)), 'ERR_MFA_INVALID');
  const c8 = await totpCode(u.totpSecret!, T0 + 8 * MIN);
  assert.is(await code(() => svc.signIn({ username: 'dr-chen', password: 'wrong password here', code: c8 }, 'a', T0 + 8 * MIN)), 'ERR_BAD_CREDENTIALS');
  const denied = (await audit.list()).filter((e) => e.action === 'auth.sign-in' && e.outcome === 'denied').map((e) => e.detail);
  assert.equal(denied, ['ERR_MFA_REQUIRED', 'ERR_MFA_INVALID', 'ERR_MFA_INVALID', 'ERR_MFA_INVALID', 'ERR_MFA_INVALID', 'ERR_BAD_CREDENTIALS']);
  assert.not.match(JSON.stringify(await audit.list()), new RegExp(PW));
});

test('brute force locks the account with doubling backoff; the right password waits too', async () => {
  await svc.createUser({ username: 'obs', role: 'observer', password: PW }, T0);
  for (let i = 0; i < 5; i++) assert.is(await code(() => svc.signIn({ username: 'obs', password: `guess number ${i}!` }, 'a', T0 + i)), 'ERR_BAD_CREDENTIALS');
  const lockedRight = await svc.signIn({ username: 'obs', password: PW }, 'a', T0 + 10).catch((e: AuthFailure) => e);
  assert.ok(lockedRight instanceof AuthFailure && lockedRight.code === 'ERR_ACCOUNT_LOCKED');
  assert.is((lockedRight as AuthFailure).retryAfterS, 30);
  // After the lock, one more failure locks for twice as long.
  assert.is(await code(() => svc.signIn({ username: 'obs', password: 'another wrong one' }, 'a', T0 + 31_000)), 'ERR_BAD_CREDENTIALS');
  const again = await svc.signIn({ username: 'obs', password: PW }, 'a', T0 + 32_000).catch((e: AuthFailure) => e);
  assert.is((again as AuthFailure).code, 'ERR_ACCOUNT_LOCKED');
  assert.is((again as AuthFailure).retryAfterS, 59);
  assert.is(await code(() => svc.signIn({ username: 'obs', password: PW }, 'a', T0 + 92_000)), 'ok');
  assert.is(await code(() => svc.signIn({ username: 'nobody', password: PW }, 'a', T0)), 'ERR_BAD_CREDENTIALS');
});

test('sign-in attempts per source address are rate limited', async () => {
  const limited = new AuthService({
    store: db.accounts, codec: new EnvelopeCodec(new StaticKms({ id: 'k1', key: randomBytes(32) })), audit,
    policy: { idleMs: 15 * MIN, rotateMs: 60 * MIN, maxPerUser: 3 }, secret: randomBytes(32), syncTokenTtlS: 300, onEnded: () => {}, attemptsPerMinute: 3,
  });
  for (let i = 0; i < 3; i++) assert.is(await code(() => limited.signIn({ username: 'x', password: 'yyyyyyyyyyyyyy' }, '10.0.0.9', T0)), 'ERR_BAD_CREDENTIALS');
  assert.is(await code(() => limited.signIn({ username: 'x', password: 'yyyyyyyyyyyyyy' }, '10.0.0.9', T0)), 'ERR_RATE_LIMITED');
  assert.is(await code(() => limited.signIn({ username: 'x', password: 'yyyyyyyyyyyyyy' }, '10.0.0.8', T0)), 'ERR_BAD_CREDENTIALS');
  assert.is(await code(() => limited.signIn({ username: 'x', password: 'yyyyyyyyyyyyyy' }, '10.0.0.9', T0 + MIN)), 'ERR_BAD_CREDENTIALS');
});

test('15 minutes of inactivity end a session; activity keeps it; the sweep ends idle ones', async () => {
  await svc.createUser({ username: 'obs', role: 'observer', password: PW }, T0);
  const a = await svc.signIn({ username: 'obs', password: PW }, 'a', T0);
  assert.ok(await svc.session(a.cookie, T0 + 14 * MIN));
  assert.ok(await svc.session(a.cookie, T0 + 28 * MIN), 'touched at 14 min: live at 28');
  assert.is(await svc.session(a.cookie, T0 + 43 * MIN), null, '15 min after the last activity');
  assert.equal(ended.map((e) => e.sids), [[a.session.sid]]);
  assert.is((await svc.sessionRow(a.session.sid))?.endReason, 'idle');
  const b = await svc.signIn({ username: 'obs', password: PW }, 'a', T0 + 50 * MIN);
  assert.ok(await svc.isLive(b.session.sid, T0 + 64 * MIN));
  assert.is(await svc.sweep(T0 + 64 * MIN), 0);
  assert.is(await svc.sweep(T0 + 65 * MIN), 1);
  assert.not.ok(await svc.isLive(b.session.sid, T0 + 65 * MIN));
});

test('a request reporting idle time counts activity at the input, never later than now nor earlier than recorded', async () => {
  await svc.createUser({ username: 'obs', role: 'observer', password: PW }, T0);
  const a = await svc.signIn({ username: 'obs', password: PW }, 'a', T0);
  // At 10 min, a renewal reports 8 min without input: activity at 2 min.
  assert.ok(await svc.session(a.cookie, T0 + 10 * MIN, 8 * MIN));
  assert.is((await svc.sessionRow(a.session.sid))?.lastSeenAt, T0 + 2 * MIN);
  // Reporting more than there is moves nothing back.
  assert.ok(await svc.session(a.cookie, T0 + 11 * MIN, 60 * MIN));
  assert.is((await svc.sessionRow(a.session.sid))?.lastSeenAt, T0 + 2 * MIN);
  // 15 min after that input, the session has ended, whatever the request reports.
  assert.is(await svc.session(a.cookie, T0 + 17 * MIN, 0), null);
  assert.is((await svc.sessionRow(a.session.sid))?.endReason, 'idle');
});

test('the session id rotates every 60 minutes; the old cookie stops working; the sid stays', async () => {
  await svc.createUser({ username: 'obs', role: 'observer', password: PW }, T0);
  const a = await svc.signIn({ username: 'obs', password: PW }, 'a', T0);
  let cookie = a.cookie;
  for (let m = 10; m < 60; m += 10) assert.not.ok((await svc.session(cookie, T0 + m * MIN))?.newCookie);
  const rotated = await svc.session(cookie, T0 + 60 * MIN);
  assert.ok(rotated?.newCookie);
  assert.is(rotated!.sid, a.session.sid);
  assert.is(await svc.session(cookie, T0 + 61 * MIN), null, 'old cookie');
  cookie = rotated!.newCookie!;
  assert.is((await svc.session(cookie, T0 + 61 * MIN))?.sid, a.session.sid);
  assert.equal(ended, [], 'rotation does not end the session');
});

test('concurrent-session limit ends the oldest; sign out everywhere ends all', async () => {
  const u = await svc.createUser({ username: 'obs', role: 'observer', password: PW }, T0);
  const s = [];
  for (let i = 0; i < 4; i++) s.push(await svc.signIn({ username: 'obs', password: PW }, 'a', T0 + i * 1000));
  assert.equal(ended, [{ sids: [s[0]!.session.sid], userId: u.id }]);
  assert.is(await svc.session(s[0]!.cookie, T0 + 5000), null);
  assert.is((await svc.sessionRow(s[0]!.session.sid))?.endReason, 'limit');
  assert.is(await svc.signOutEverywhere(u.id, T0 + 6000), 3);
  for (const x of s) assert.is(await svc.session(x.cookie, T0 + 7000), null);
});

test('patients, caregivers and interpreters get no accounts; passwords are at least 12 characters', async () => {
  for (const role of ['patient', 'caregiver', 'interpreter', 'root']) assert.is(await code(() => svc.createUser({ username: `x-${role}`, role, password: PW }, T0)), 'ERR_BAD_REQUEST');
  assert.is(await code(() => svc.createUser({ username: 'short', role: 'observer', password: 'short' }, T0)), 'ERR_BAD_REQUEST');
  await svc.createUser({ username: 'dup', role: 'observer', password: PW }, T0);
  assert.is(await code(() => svc.createUser({ username: 'dup', role: 'observer', password: PW }, T0)), 'ERR_CONFLICT');
});

test('racing requests: one TOTP code signs in once, a session ends once, rotation happens once, the limit holds', async () => {
  const u = await svc.createUser({ username: 'dr-race', role: 'clinician', password: PW }, T0);
  const c = await totpCode(u.totpSecret!, T0);
  const logins = await Promise.all([0, 1, 2, 3].map(() => code(() => svc.signIn({ username: 'dr-race', password: PW, code: c }, 'a', T0))));
  assert.equal(logins.filter((x) => x === 'ok').length, 1, logins.join());
  const obs = await svc.createUser({ username: 'obs-race', role: 'observer', password: PW }, T0);
  const many = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => svc.signIn({ username: 'obs-race', password: PW }, 'a', T0 + i)));
  assert.is((await db.accounts.liveSessions(obs.id)).length, 3, 'never more than the limit');
  const one = many.find((m) => ended.every((e) => !e.sids.includes(m.session.sid)))!;
  for (let m = 10; m < 60; m += 10) assert.ok(await svc.session(one.cookie, T0 + m * MIN), 'active, not idle');
  const rotations = await Promise.all([0, 1, 2].map(() => svc.session(one.cookie, T0 + 61 * MIN)));
  assert.is(rotations.filter((r) => r?.newCookie).length, 1, 'one new cookie');
  assert.ok(rotations.every((r) => r?.sid === one.session.sid));
  const before = ended.length;
  await Promise.all([svc.signOut(one.session.sid, obs.id, T0 + 62 * MIN), svc.signOut(one.session.sid, obs.id, T0 + 62 * MIN)]);
  assert.equal(ended.slice(before), [{ sids: [one.session.sid], userId: obs.id }], 'reported once');
});

test.run();
}
