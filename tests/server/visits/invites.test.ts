import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import {
  createInvite,
  hashInviteToken,
  MAX_CODE_ATTEMPTS,
  MAX_RECORDED_ATTEMPTS,
  mayCreateInvite,
  parseCreateInvite,
  redeemInvite,
  revokeInvite,
  type CreateInviteBody,
  type Invite,
  type RandomBytes,
} from '../../../server/visits/invites.ts';
import { ROLES } from '../../../server/visits/model.ts';
import { applyRoomCommand } from '../../../server/visits/room-commands.ts';
import { readRosterEntry } from '../../../server/visits/room-doc.ts';
import { at, iso, roomDoc } from './helpers.ts';

const test = suite('visits/invites');

/** Deterministic "random" bytes: a counter-mode SHA-256 stream from a seed. */
function seeded(seed: string): RandomBytes {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 32) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - i)), i);
    }
    return out;
  };
}

const INTERPRETER: CreateInviteBody = { role: 'interpreter', language: 'es' };

function fresh(body: CreateInviteBody = INTERPRETER, seed = 's1') {
  return createInvite(body, { id: 'inv1', visitId: 'v1', createdBy: 'dr-chen' }, seeded(seed), at(0));
}

test('create: a 256-bit token, a 6-digit code, only hashes stored, deterministic with a seeded source', () => {
  const { invite, token, code } = fresh();
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.match(code, /^\d{6}$/);
  assert.is(invite.tokenHash, hashInviteToken(token));
  const stored = JSON.stringify(invite);
  assert.not.ok(stored.includes(token));
  assert.not.ok(stored.includes(code));
  assert.is(invite.expiresAt, iso(24 * 60));
  assert.equal(fresh(), { invite, token, code });
  assert.is.not(fresh(INTERPRETER, 's2').token, token);
});

test('codes are digits only even when the byte source is biased high', () => {
  // Bytes of 250 and above are rejected; a source that mostly returns them must still yield digits.
  let calls = 0;
  const mostlyHigh: RandomBytes = (n) => new Uint8Array(n).map((_, i) => (calls++ % 7 === 0 ? 17 + i : 255));
  const { code } = createInvite(INTERPRETER, { id: 'inv1', visitId: 'v1', createdBy: 'dr-chen' }, mostlyHigh, at(0));
  assert.match(code, /^\d{6}$/);
});

test('redeem once; the joiner gets an identity of their own and appears in the roster', () => {
  const { invite, token, code } = fresh();
  const first = redeemInvite(invite, { token, code, displayName: ' Inés Interpreter ' }, at(10));
  assert.ok(first.result.ok);
  if (!first.result.ok) return;
  const who = first.result.value;
  assert.equal(who, { participantId: 'interpreter-inv1', visitId: 'v1', role: 'interpreter', displayName: 'Inés Interpreter', language: 'es', inviteId: 'inv1' });
  assert.is(first.invite.usedAt, iso(10));
  assert.is(first.invite.usedBy, 'interpreter-inv1');
  assert.equal(first.invite.attempts, [{ at: iso(10), outcome: 'redeemed' }]);

  const doc = roomDoc('one-to-one', 'in-progress');
  const joined = applyRoomCommand(doc, { type: 'join', participantId: who.participantId, displayName: who.displayName, language: who.language }, { id: who.participantId, role: who.role }, at(11));
  assert.ok(joined.ok);
  assert.is(readRosterEntry(doc, 'interpreter-inv1')?.language, 'es');

  const second = redeemInvite(first.invite, { token, code, displayName: 'Someone else' }, at(12));
  assert.not.ok(second.result.ok);
  if (!second.result.ok) assert.is(second.result.error.code, 'ERR_INVITE_USED');
  assert.equal(second.invite.attempts.map((a) => a.outcome), ['redeemed', 'ERR_INVITE_USED']);
  assert.is(second.invite.usedBy, 'interpreter-inv1', 'the first use stands');
});

test('caregiver invite carries the relationship', () => {
  const { invite, token, code } = fresh({ role: 'caregiver', relationship: 'DAU', ttlMinutes: 30 });
  assert.is(invite.expiresAt, iso(30));
  const r = redeemInvite(invite, { token, code: `${code.slice(0, 3)} ${code.slice(3)}`, displayName: 'Mo' }, at(29));
  assert.ok(r.result.ok, 'spaces in the code are ignored');
  if (r.result.ok) {
    assert.is(r.result.value.relationship, 'DAU');
    assert.is(r.result.value.participantId, 'caregiver-inv1');
  }
});

test('refusals, in order of precedence', () => {
  const { invite, token, code } = fresh();
  const revoked = revokeInvite(invite, 'dr-chen', at(1));
  assert.ok(revoked.ok);
  const cases: [string, Invite, string, string, number, string][] = [
    ['wrong token', invite, token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), code, 5, 'ERR_INVITE_TOKEN_WRONG'],
    ['empty token', invite, '', code, 5, 'ERR_INVITE_TOKEN_WRONG'],
    ['revoked', revoked.ok ? revoked.value : invite, token, code, 5, 'ERR_INVITE_REVOKED'],
    ['expired at the instant', invite, token, code, 24 * 60, 'ERR_INVITE_EXPIRED'],
    ['expired with a wrong code too', invite, token, '000000', 24 * 60 + 1, 'ERR_INVITE_EXPIRED'],
    ['wrong code', invite, token, code === '123456' ? '654321' : '123456', 5, 'ERR_INVITE_CODE_WRONG'],
    ['non-digit code', invite, token, 'abcdef', 5, 'ERR_INVITE_CODE_WRONG'],
    ['code of the right digits, one short', invite, token, code.slice(0, 5), 5, 'ERR_INVITE_CODE_WRONG'],
  ];
  for (const [name, inv, t, c, minute, want] of cases) {
    const r = redeemInvite(inv, { token: t, code: c, displayName: 'X' }, at(minute));
    assert.not.ok(r.result.ok, name);
    if (!r.result.ok) assert.is(r.result.error.code, want, name);
    assert.is(r.invite.usedAt, undefined, name);
    assert.equal(r.invite.attempts.at(-1), { at: iso(minute), outcome: want }, `${name} is recorded`);
  }
});

test(`locks after ${MAX_CODE_ATTEMPTS} wrong codes, even for the right code`, () => {
  const { invite, token, code } = fresh();
  const wrong = code === '000000' ? '111111' : '000000';
  let current = invite;
  for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) {
    const r = redeemInvite(current, { token, code: wrong, displayName: 'X' }, at(i));
    assert.not.ok(r.result.ok);
    if (!r.result.ok) assert.is(r.result.error.code, 'ERR_INVITE_CODE_WRONG');
    current = r.invite;
  }
  assert.is(current.failedCodeAttempts, MAX_CODE_ATTEMPTS);
  const right = redeemInvite(current, { token, code, displayName: 'X' }, at(10));
  assert.not.ok(right.result.ok);
  if (!right.result.ok) assert.is(right.result.error.code, 'ERR_INVITE_LOCKED');
});

test('the attempt log keeps the latest entries only', () => {
  const { invite, token } = fresh();
  let current = invite;
  for (let i = 0; i < MAX_RECORDED_ATTEMPTS + 5; i++) current = redeemInvite(current, { token: 'nope', code: '1', displayName: 'X' }, at(i)).invite;
  assert.is(current.attempts.length, MAX_RECORDED_ATTEMPTS);
  assert.is(current.attempts.at(-1)?.at, iso(MAX_RECORDED_ATTEMPTS + 4));
  assert.ok(redeemInvite(current, { token, code: fresh().code, displayName: 'X' }, at(200)).result.ok, 'wrong tokens do not lock the invite');
});

test('revoke: idempotent, refused once used', () => {
  const { invite, token, code } = fresh();
  const r1 = revokeInvite(invite, 'dr-chen', at(1));
  assert.ok(r1.ok);
  if (!r1.ok) return;
  assert.is(r1.value.revokedAt, iso(1));
  const r2 = revokeInvite(r1.value, 'dr-rao', at(2));
  assert.ok(r2.ok);
  if (r2.ok) assert.equal(r2.value, r1.value);
  const used = redeemInvite(invite, { token, code, displayName: 'X' }, at(3)).invite;
  const r3 = revokeInvite(used, 'dr-chen', at(4));
  assert.not.ok(r3.ok);
  if (!r3.ok) assert.is(r3.error.code, 'ERR_INVITE_USED');
});

test('who may create invites: clinicians only', () => {
  for (const role of ROLES) assert.is(mayCreateInvite(role), role === 'clinician', role);
});

const BODIES: [unknown, boolean][] = [
  [{ role: 'interpreter', language: 'pt-BR' }, true],
  [{ role: 'caregiver', relationship: 'SPS', ttlMinutes: 60 }, true],
  [{ role: 'interpreter' }, false],
  [{ role: 'interpreter', language: 'es', relationship: 'MTH' }, false],
  [{ role: 'caregiver', relationship: 'bestie' }, false],
  [{ role: 'caregiver', relationship: 'ONESELF' }, false],
  [{ role: 'observer' }, false],
  [{ role: 'interpreter', language: 'es', ttlMinutes: 0 }, false],
  [{ role: 'interpreter', language: 'es', ttlMinutes: 7 * 24 * 60 + 1 }, false],
  [null, false],
];

for (const [body, valid] of BODIES) {
  test(`parseCreateInvite(${JSON.stringify(body)}) → ${valid ? 'ok' : 'errors'}`, () => {
    const r = parseCreateInvite(body);
    assert.is(r.ok, valid);
    if (!r.ok) assert.ok(r.errors.length > 0 && r.errors.every((e) => typeof e.code === 'string'));
  });
}

test('caller misuse throws', () => {
  assert.throws(() => createInvite(INTERPRETER, { id: 'x'.repeat(51), visitId: 'v1', createdBy: 'd' }, seeded('a'), at(0)), TypeError);
  assert.throws(() => createInvite(INTERPRETER, { id: 'i', visitId: 'v1', createdBy: 'd' }, () => new Uint8Array(3), at(0)), TypeError);
  const { invite, token, code } = fresh();
  assert.throws(() => redeemInvite(invite, { token, code, displayName: '  ' }, at(1)), TypeError);
});

test.run();
