/**
 * Sessions against a real server: MFA sign-in over HTTP with a hardened cookie, cookie-authenticated
 * API calls, sync tokens derived from the session, and live sync connections closed with 4005
 * when the user is revoked, signs out everywhere, or goes idle. Tampered, expired and cross-visit
 * tokens are refused; a crafted sync message cannot escalate a role. Runs with the accounts,
 * sessions and audit log on SQLite, then on Postgres (DATABASE_URL).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SignJWT } from 'jose';
import type { RunningServer } from '../../../server/app.ts';
import { CloseCode } from '../../../server/sync/close-codes.ts';
import { totpCode } from '../../../server/security/auth/totp.ts';
import { destroyAll, provider, removeDir, startTestServer, synced, tempDir, token, TEST_SECRET, waitFor } from '../../helpers/server.ts';
import { apiToken, call, cookieCall, signIn, visitBody } from '../../helpers/api.ts';
import { upgradeStatus } from '../../helpers/raw.ts';
import { createTestDatabase } from '../../helpers/pg.ts';

const PW = 'a long enough password 1';

for (const backend of ['sqlite', 'postgres'] as const) {
const test = suite(`sessions end to end (${backend})`);
let dir = '';
let server: RunningServer;
let admin = '';
const dbs: { drop(): Promise<void> }[] = [];

/** Server settings for this backend: on Postgres, a fresh database. */
async function storage(): Promise<Record<string, string>> {
  if (backend === 'sqlite') return {};
  const db = await createTestDatabase();
  dbs.push(db);
  return { DATABASE_URL: db.url };
}

test.before(async () => {
  dir = tempDir('rounds-sessions-');
  server = await startTestServer(dir, { ROUNDS_SESSION_SWEEP_MS: '100', ...(await storage()) });
  admin = await apiToken('ops-1', 'admin');
});
test.after(async () => {
  await server.stop();
  removeDir(dir);
  for (const db of dbs) await db.drop();
});

const login = (body: Record<string, unknown>, base = server.url) => signIn(base, body);
const withCookie = (cookie: string, method: string, path: string, body?: unknown, base = server.url) => cookieCall(base, cookie, method, path, body);

function closeCode(p: ReturnType<typeof provider>): Promise<number> {
  return new Promise((resolve) => p.on('connection-close', (e: any) => { if (e) resolve(e.code); }));
}

test('MFA sign-in sets a hardened cookie; the session works for the API and derives sync tokens; revoking closes the connection with 4005', async () => {
  const created = await call(server.url, 'POST', '/api/admin/users', admin, { username: 'dr-kim', role: 'clinician', password: PW });
  assert.is(created.status, 201);
  assert.ok(created.json.totpSecret);
  assert.is((await login({ username: 'dr-kim', password: PW })).json.error.code, 'ERR_MFA_REQUIRED');
  const ok = await login({ username: 'dr-kim', password: PW, code: await totpCode(created.json.totpSecret, Date.now()) });
  assert.is(ok.status, 200);
  assert.ok(ok.cookie);
  for (const flag of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']) assert.ok(ok.setCookie.includes(flag), flag);
  const userId = ok.json.userId as string;

  const v = await withCookie(ok.cookie!, 'POST', '/api/visits', visitBody());
  assert.is(v.status, 201, 'cookie-authenticated API call');
  const note = `visit/${v.json.id}/note`;
  const st = await withCookie(ok.cookie!, 'POST', '/api/auth/sync-token', { doc: note });
  assert.is(st.status, 200);
  const p = provider(server.port, note, st.json.token);
  await synced(p);
  const closed = closeCode(p);
  const told: string[] = [];
  server.security.onSessionsEnded((_sids, uid) => told.push(uid));
  const revoked = await call(server.url, 'POST', `/api/admin/users/${userId}/revoke`, admin, {});
  assert.is(revoked.status, 200);
  assert.is(await closed, CloseCode.SESSION_REVOKED);
  assert.ok(told.includes(userId), 'other layers (video) are told');
  p.shouldConnect = false;
  destroyAll(p);
  assert.is((await withCookie(ok.cookie!, 'GET', '/api/auth/session')).status, 401);
  assert.is(await upgradeStatus(server.port, note, st.json.token), 401, 'the session-bound token is dead');
  const bearer = await token({ doc: 'api', sub: userId, role: 'clinician' });
  assert.is((await call(server.url, 'GET', `/api/visits/${v.json.id}`, bearer)).status, 403, 'revoked account: even an operator-minted token');
  assert.ok((await server.audit.verify()).ok);
});

test('sign out everywhere closes every live connection of the user with 4005', async () => {
  await call(server.url, 'POST', '/api/admin/users', admin, { username: 'obs-a', role: 'observer', password: PW });
  const a = await login({ username: 'obs-a', password: PW });
  const b = await login({ username: 'obs-a', password: PW });
  const v = (await call(server.url, 'POST', '/api/visits', await apiToken('dr-chen', 'clinician'), visitBody())).json;
  const room = `visit/${v.id}/room`;
  const pa = provider(server.port, room, (await withCookie(a.cookie!, 'POST', '/api/auth/sync-token', { doc: room, access: 'read' })).json.token);
  const pb = provider(server.port, room, (await withCookie(b.cookie!, 'POST', '/api/auth/sync-token', { doc: room })).json.token);
  await Promise.all([synced(pa), synced(pb)]);
  const codes = Promise.all([closeCode(pa), closeCode(pb)]);
  const out = await withCookie(a.cookie!, 'POST', '/api/auth/logout-all');
  assert.is(out.json.ended, 2);
  assert.equal(await codes, [4005, 4005]);
  pa.shouldConnect = false; pb.shouldConnect = false;
  destroyAll(pa, pb);
  assert.is((await withCookie(b.cookie!, 'GET', '/api/auth/session')).status, 401);
});

test('an idle session ends on its own and its connection closes with 4005 within seconds', async () => {
  const d2 = tempDir('rounds-sessions-idle-');
  const s2 = await startTestServer(d2, { ROUNDS_SESSION_IDLE_S: '1', ROUNDS_SESSION_SWEEP_MS: '100', ...(await storage()) });
  try {
    await call(s2.url, 'POST', '/api/admin/users', admin, { username: 'obs-idle', role: 'observer', password: PW });
    const a = await login({ username: 'obs-idle', password: PW }, s2.url);
    const v = (await call(s2.url, 'POST', '/api/visits', await apiToken('dr-chen', 'clinician'), visitBody())).json;
    const room = `visit/${v.id}/room`;
    const tok = (await withCookie(a.cookie!, 'POST', '/api/auth/sync-token', { doc: room, access: 'read' }, s2.url)).json.token;
    const p = provider(s2.port, room, tok);
    const closed = closeCode(p);
    await synced(p);
    assert.is(await closed, 4005);
    p.shouldConnect = false;
    destroyAll(p);
    assert.is((await withCookie(a.cookie!, 'GET', '/api/auth/session', undefined, s2.url)).status, 401);
    assert.ok((await s2.audit.list()).some((e) => e.action === 'auth.session-end' && e.detail === 'idle'));
  } finally {
    await s2.stop();
    removeDir(d2);
  }
});

test('a renewal sent on its own counts activity at the last input it reports, so idle logoff is not pushed back', async () => {
  const d3 = tempDir('rounds-sessions-reported-idle-');
  const s3 = await startTestServer(d3, { ROUNDS_SESSION_IDLE_S: '6', ROUNDS_SESSION_SWEEP_MS: '100', ...(await storage()) });
  let p: ReturnType<typeof provider> | null = null;
  try {
    await call(s3.url, 'POST', '/api/admin/users', admin, { username: 'obs-renew', role: 'observer', password: PW });
    const v = (await call(s3.url, 'POST', '/api/visits', await apiToken('dr-chen', 'clinician'), visitBody())).json;
    const room = `visit/${v.id}/room`;
    const a = await login({ username: 'obs-renew', password: PW }, s3.url);
    const signedIn = Date.now();
    // First token at once; the connection itself is not activity (it only checks the session).
    const first = (await withCookie(a.cookie!, 'POST', '/api/auth/sync-token', { doc: room, access: 'read' }, s3.url)).json.token;
    p = provider(s3.port, room, first);
    const closed = closeCode(p).then((code) => ({ code, at: Date.now() }));
    await synced(p);
    // 4 s later the page renews on its own: the last input was 3 s before that (1 s after sign-in).
    await new Promise((r) => setTimeout(r, 4000 - (Date.now() - signedIn)));
    const renewed = await fetch(`${s3.url}/api/auth/sync-token`, {
      method: 'POST',
      headers: { cookie: `rounds_session=${a.cookie!}`, 'content-type': 'application/json', 'x-rounds-idle-ms': '3000' },
      body: JSON.stringify({ doc: room, access: 'read' }),
    });
    assert.is(renewed.status, 200);
    // Idle limit 6 s from the last input (~1 s after sign-in): ended ~7 s after sign-in, not ~10 s
    // (6 s after the renewal, as before the renewal reported its idle time).
    const end = await closed;
    assert.is(end.code, 4005);
    const after = (end.at - signedIn) / 1000;
    assert.ok(after >= 6.5 && after < 9, `the session ended ${after.toFixed(1)} s after sign-in (expected ~7 s)`);
    assert.ok((await s3.audit.list()).some((e) => e.action === 'auth.session-end' && e.detail === 'idle'));
  } finally {
    if (p) { p.shouldConnect = false; destroyAll(p); }
    await s3.stop();
    removeDir(d3);
  }
});

test('tampered, expired and cross-visit tokens are refused', async () => {
  const dr = await apiToken('dr-chen', 'clinician');
  const a = (await call(server.url, 'POST', '/api/visits', dr, visitBody())).json;
  const b = (await call(server.url, 'POST', '/api/visits', dr, visitBody())).json;
  const roomA = `visit/${a.id}/room`;
  const good = await token({ doc: roomA, sub: 'pat-1', role: 'patient', access: 'read' });
  assert.is(await upgradeStatus(server.port, roomA, good), 101);
  // Tampered: payload changed to claim the clinician role, signature kept.
  const [h, payload, sig] = good.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const forged = [h, Buffer.from(JSON.stringify({ ...claims, role: 'clinician', access: 'write' })).toString('base64url'), sig].join('.');
  assert.is(await upgradeStatus(server.port, roomA, forged), 401);
  assert.is(await upgradeStatus(server.port, `visit/${a.id}/note`, forged), 401);
  const noneAlg = [Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url'), payload, ''].join('.');
  assert.is(await upgradeStatus(server.port, roomA, noneAlg), 401);
  assert.is((await call(server.url, 'GET', `/api/visits/${a.id}`, forged)).status, 401);
  // Expired.
  const now = Math.floor(Date.now() / 1000);
  const expired = await new SignJWT({ role: 'clinician', doc: roomA, access: 'write' }).setProtectedHeader({ alg: 'HS256' })
    .setSubject('dr-chen').setIssuer('rounds').setAudience('rounds').setJti('j1').setIssuedAt(now - 600).setExpirationTime(now - 60)
    .sign(new TextEncoder().encode(TEST_SECRET));
  assert.is(await upgradeStatus(server.port, roomA, expired), 401);
  // Cross-visit: a token for visit A's documents opens nothing of visit B.
  const wildcardA = await token({ doc: `visit/${a.id}/*`, sub: 'dr-chen' });
  assert.is(await upgradeStatus(server.port, `visit/${b.id}/note`, wildcardA), 403);
  assert.is(await upgradeStatus(server.port, `visit/${b.id}/room`, good), 403);
  assert.is((await call(server.url, 'GET', `/api/visits/${b.id}`, good)).status, 403);
});

test('a crafted sync message from a read-only connection changes nothing', async () => {
  const dr = await apiToken('dr-chen', 'clinician');
  const v = (await call(server.url, 'POST', '/api/visits', dr, visitBody())).json;
  const room = `visit/${v.id}/room`;
  const pat = provider(server.port, room, await token({ doc: room, sub: 'pat-1', role: 'patient', access: 'write' }));
  await synced(pat);
  pat.doc.getMap('meta').set('status', 'closed');
  pat.doc.getMap('roles').set('pat-1', 'clinician');
  pat.awareness.setLocalStateField('user', { role: 'clinician' });
  await waitFor(async () => (await server.audit.list()).some((e) => e.action === 'sync.write' && e.resource === room), 'write refused');
  const check = provider(server.port, room, await token({ doc: room, sub: 'dr-chen' }));
  await synced(check);
  assert.is(check.doc.getMap('roles').size, 0);
  assert.is.not(check.doc.getMap('meta').get('status'), 'closed');
  assert.is((await call(server.url, 'GET', `/api/visits/${v.id}/records`, await token({ doc: room, sub: 'pat-1', role: 'patient' }))).status, 403);
  destroyAll(pat, check);
});

test.run();
}
