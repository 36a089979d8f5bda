/**
 * Guests renew their room token (server/api/guest-tokens.ts) against a real server on SQLite: the
 * fresh token has the same claims and opens the sync socket; an expired token, a closed visit, a
 * removed participant, a revoked invite and a session past its bound are refused with named
 * codes; every renewal is an audit entry without PHI; only the guest roles pass the RBAC guard.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { decodeJwt, SignJWT } from 'jose';
import type { RunningServer } from '../../../server/app.ts';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../../server/auth/tokens.ts';
import { ROLE_REFUSED } from '../../../server/security/guard.ts';
import { GUEST_SESSION_MAX_S } from '../../../server/visits/guest-renewal.ts';
import { openSqlite } from '../../../db/sqlite/connection.ts';
import { SqliteVisitRepository } from '../../../db/sqlite/visit-repo.ts';
import { destroyAll, provider, removeDir, startTestServer, synced, tempDir, TEST_SECRET, token, waitFor } from '../../helpers/server.ts';
import { apiToken, call, visitBody } from '../../helpers/api.ts';
import { upgradeStatus } from '../../helpers/raw.ts';

const test = suite('guest sync-token renewal');
let dir = '';
let server: RunningServer;
let base = '';
let dr = '';

test.before(async () => {
  dir = tempDir('rounds-guest-renewal-');
  server = await startTestServer(dir);
  base = server.url;
  dr = await apiToken('dr-chen', 'clinician');
});
test.after(async () => { await server.stop(); removeDir(dir); });

const renewPath = (visitId: string) => `/api/visits/${visitId}/sync-token/renew`;
const renew = (visitId: string, bearer: string | null) => call(base, 'POST', renewPath(visitId), bearer);
const nowS = () => Math.floor(Date.now() / 1000);

async function newVisit(): Promise<string> {
  const created = await call(base, 'POST', '/api/visits', dr, visitBody());
  assert.is(created.status, 201);
  return created.json.id as string;
}

async function redeemed(visitId: string, role: 'interpreter' | 'caregiver' = 'interpreter') {
  const body = role === 'interpreter' ? { role, language: 'es' } : { role, relationship: 'DAU' };
  const inv = (await call(base, 'POST', `/api/visits/${visitId}/invites`, dr, body)).json;
  const r = await call(base, 'POST', '/api/invites/redeem', null, { token: inv.token, code: inv.code, displayName: 'Lucia Guest' });
  assert.is(r.status, 200);
  return { inviteId: inv.id as string, participantId: r.json.participantId as string, token: r.json.token as string };
}

/** A room token with chosen times (seconds from now), signed like the server's own. */
function timed(claims: Record<string, unknown> & { sub: string; role: string; doc: string }, t: { iat: number; exp: number }): Promise<string> {
  return new SignJWT({ access: 'read', ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(claims.sub)
    .setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setJti(crypto.randomUUID())
    .setIssuedAt(nowS() + t.iat).setExpirationTime(nowS() + t.exp).sign(new TextEncoder().encode(TEST_SECRET));
}

async function inProgressThenClosed(visitId: string): Promise<void> {
  await call(base, 'POST', `/api/visits/${visitId}/commands`, await apiToken('pat-1', 'patient'), { type: 'checkIn', participantId: 'pat-1', displayName: 'Pat One' });
  assert.is((await call(base, 'POST', `/api/visits/${visitId}/commands`, dr, { type: 'admit', participantId: 'pat-1' })).json.status, 'in-progress');
  assert.is((await call(base, 'POST', `/api/visits/${visitId}/close`, dr, {})).status, 200);
}

test('an interpreter renews: same claims and session start, a new token id, and it opens the room (never the note)', async () => {
  const id = await newVisit();
  const joiner = await redeemed(id);
  const r = await renew(id, joiner.token);
  assert.is(r.status, 200);
  assert.is(r.json.tokenExpiresIn, 3600);
  const before = decodeJwt(joiner.token);
  const after = decodeJwt(r.json.token);
  for (const k of ['sub', 'role', 'doc', 'access', 'auth_time'] as const) assert.equal(after[k], before[k], k);
  assert.is(after.sub, joiner.participantId);
  assert.is.not(after.jti, before.jti);
  assert.is(after.exp! - after.iat!, 3600);
  const room = `visit/${id}/room`;
  assert.is(await upgradeStatus(server.port, `visit/${id}/note`, r.json.token), 403);
  const p = provider(server.port, room, r.json.token);
  await synced(p);
  assert.ok(p.doc.getMap('roster').has(joiner.participantId), 'the renewed token syncs the room');
  destroyAll(p);
  // The renewed token renews in turn.
  assert.is((await renew(id, r.json.token)).status, 200);
});

test('a patient link token renews to a later expiry, and the new token opens the sync socket', async () => {
  const id = await newVisit();
  const doc = `visit/${id}/room`;
  // Issued 100 s ago with 2 minutes of life, 20 s left: the renewal gives 2 minutes from now.
  const link = await timed({ sub: 'pat-1', role: 'patient', doc }, { iat: -100, exp: 20 });
  const r = await renew(id, link);
  assert.is(r.status, 200);
  const fresh = decodeJwt(r.json.token);
  assert.ok(fresh.exp! > decodeJwt(link).exp! + 90, 'a new, later expiry');
  assert.is(fresh.auth_time, decodeJwt(link).iat, 'the session began when the link token was issued');
  assert.equal([fresh.sub, fresh.role, fresh.doc, fresh.access], ['pat-1', 'patient', doc, 'read']);
  const p = provider(server.port, doc, r.json.token);
  await synced(p);
  destroyAll(p);
  // Someone else's patient token, or a patient's API token, is not a room token of this visit.
  const other = await renew(id, await token({ doc, sub: 'pat-9', role: 'patient', access: 'read' }));
  assert.equal([other.status, other.json.error.code], [403, 'ERR_FORBIDDEN']);
  const api = await renew(id, await apiToken('pat-1', 'patient'));
  assert.equal([api.status, api.json.error.code], [403, 'ERR_FORBIDDEN']);
});

test('an expired token gets 401 ERR_TOKEN_EXPIRED; no token gets 401 ERR_TOKEN_MISSING', async () => {
  const id = await newVisit();
  const expired = await timed({ sub: 'pat-1', role: 'patient', doc: `visit/${id}/room` }, { iat: -120, exp: -1 });
  const r = await renew(id, expired);
  assert.equal([r.status, r.json.error.code], [401, 'ERR_TOKEN_EXPIRED']);
  const none = await renew(id, null);
  assert.equal([none.status, none.json.error.code], [401, 'ERR_TOKEN_MISSING']);
});

test('a closed visit refuses with 409 ERR_VISIT_ENDED', async () => {
  const id = await newVisit();
  const joiner = await redeemed(id, 'caregiver');
  const patient = await token({ doc: `visit/${id}/room`, sub: 'pat-1', role: 'patient', access: 'read' });
  await inProgressThenClosed(id);
  for (const t of [joiner.token, patient]) {
    const r = await renew(id, t);
    assert.equal([r.status, r.json.error.code], [409, 'ERR_VISIT_ENDED']);
  }
});

test('a removed participant is refused with 403 ERR_REMOVED until a clinician readmits them', async () => {
  const id = await newVisit();
  const joiner = await redeemed(id);
  assert.is((await call(base, 'POST', `/api/visits/${id}/commands`, dr, { type: 'remove', participantId: joiner.participantId })).status, 200);
  const r = await renew(id, joiner.token);
  assert.equal([r.status, r.json.error.code], [403, 'ERR_REMOVED']);
  assert.is((await call(base, 'POST', `/api/visits/${id}/commands`, dr, { type: 'readmit', participantId: joiner.participantId })).status, 200);
  assert.is((await renew(id, joiner.token)).status, 200);
});

test('a revoked invite is refused with 410 ERR_INVITE_REVOKED', async () => {
  const id = await newVisit();
  const joiner = await redeemed(id);
  // The API refuses to revoke a used invite (remove the participant instead); the store can still hold one.
  const h = openSqlite(join(dir, 'rounds.db'));
  try {
    const repo = new SqliteVisitRepository(h, server.security.codec);
    const found = (await repo.getInvite(joiner.inviteId))!;
    assert.ok(await repo.updateInvite({ ...found.invite, revokedAt: new Date().toISOString(), revokedBy: 'dr-chen' }, found.version));
  } finally { h.close(); }
  const r = await renew(id, joiner.token);
  assert.equal([r.status, r.json.error.code], [410, 'ERR_INVITE_REVOKED']);
  // An interpreter token that no invite stands behind is not renewed either.
  const minted = await token({ doc: `visit/${id}/room`, sub: 'interpreter-i-unknown', role: 'interpreter', access: 'read' });
  assert.equal((await renew(id, minted)).json.error.code, 'ERR_FORBIDDEN');
});

test('the guest session is bounded: the last tokens are cut short, then 401 ERR_GUEST_SESSION_EXPIRED', async () => {
  const id = await newVisit();
  const doc = `visit/${id}/room`;
  const near = await timed({ sub: 'pat-1', role: 'patient', doc, auth_time: nowS() - GUEST_SESSION_MAX_S + 600 }, { iat: -10, exp: 3000 });
  const r = await renew(id, near);
  assert.is(r.status, 200);
  assert.ok(r.json.tokenExpiresIn <= 600 && r.json.tokenExpiresIn > 590, `cut to what is left (${r.json.tokenExpiresIn} s)`);
  const over = await timed({ sub: 'pat-1', role: 'patient', doc, auth_time: nowS() - GUEST_SESSION_MAX_S + 30 }, { iat: -10, exp: 3000 });
  const refused = await renew(id, over);
  assert.equal([refused.status, refused.json.error.code], [401, 'ERR_GUEST_SESSION_EXPIRED']);
});

test('every renewal is audited (old and new token ids, no PHI); refusals too', async () => {
  const id = await newVisit();
  const joiner = await redeemed(id);
  const r = await renew(id, joiner.token);
  assert.is(r.status, 200);
  const oldJti = decodeJwt(joiner.token).jti;
  const newJti = decodeJwt(r.json.token).jti;
  const entries = await server.audit.list();
  const mine = entries.find((e) => e.action === 'renew sync-token' && e.actor === joiner.participantId);
  assert.ok(mine, 'the renewal entry');
  assert.equal([mine!.role, mine!.resource, mine!.outcome, mine!.detail], ['interpreter', `sync-token visit/${id}`, 'allowed', `jti ${oldJti} -> ${newJti}`]);
  assert.ok(entries.some((e) => e.action === 'POST /api/visits/:id/sync-token/renew' && e.actor === joiner.participantId && e.outcome === 'allowed'), 'the guard\'s entry for the call');
  await call(base, 'POST', `/api/visits/${id}/commands`, dr, { type: 'remove', participantId: joiner.participantId });
  await renew(id, r.json.token);
  await waitFor(async () => (await server.audit.list()).some((e) => e.action === 'renew sync-token' && e.actor === joiner.participantId && e.outcome === 'denied' && e.detail === `ERR_REMOVED jti ${newJti}`), 'the refusal entry');
  const text = JSON.stringify(await server.audit.list());
  assert.not.ok(text.includes('Lucia Guest'), 'no display name in the audit log');
  assert.not.ok(text.includes(r.json.token), 'no token in the audit log');
});

test('RBAC: the row exists and only patients, interpreters and caregivers pass the guard', async () => {
  const id = await newVisit();
  const doc = `visit/${id}/room`;
  for (const role of ['clinician', 'nurse', 'scribe', 'observer', 'billing', 'admin']) {
    for (const t of [await apiToken(`${role}-1`, role), await token({ doc, sub: `${role}-1`, role, access: 'read' })]) {
      const r = await renew(id, t);
      assert.equal([r.status, r.json.error.message], [403, ROLE_REFUSED], role);
    }
  }
  const entries = await server.audit.list();
  assert.ok(entries.some((e) => e.action === 'POST /api/visits/:id/sync-token/renew' && e.actor === 'observer-1' && e.outcome === 'denied'));
});

test.run();
