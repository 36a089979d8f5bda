/**
 * Two server processes on one Postgres (and the machine's Redis) share accounts, sessions and the
 * audit log: a session started on A works on B, signing out on B ends it on A (and closes its
 * sync connection there with 4005), and concurrent audited requests on both instances leave ONE
 * chain that verifies, holding the entries of both.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { spawnServer, type ChildServer } from '../../helpers/child.ts';
import { createTestDatabase } from '../../helpers/pg.ts';
import { destroyAll, provider, removeDir, synced, tempDir } from '../../helpers/server.ts';
import { apiToken, call, cookieCall as withCookie, signIn as login, visitBody } from '../../helpers/api.ts';
import { totpCode } from '../../../server/security/auth/totp.ts';
import { runAuditCli } from '../../../server/security/audit/cli.ts';
import { CloseCode } from '../../../server/sync/close-codes.ts';

const test = suite('cluster: accounts, sessions and audit shared through Postgres');
const REDIS = process.env.ROUNDS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PW = 'a long enough password 1';
const DATA_KEY = randomBytes(32).toString('base64');
let db: { url: string; drop(): Promise<void> };
let a: ChildServer;
let b: ChildServer;
const dirs: string[] = [];

async function instance(): Promise<ChildServer> {
  const dir = tempDir('rounds-shared-');
  dirs.push(dir);
  return spawnServer({ ROUNDS_DATA_DIR: dir, DATABASE_URL: db.url, REDIS_URL: REDIS, ROUNDS_DATA_KEY: DATA_KEY });
}

test.before(async () => {
  db = await createTestDatabase();
  [a, b] = await Promise.all([instance(), instance()]);
});
test.after(async () => {
  for (const s of [a, b]) if (s) { s.signal('SIGTERM'); await s.exited; }
  await db.drop();
  for (const d of dirs) removeDir(d);
});

async function auditCli(...args: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await runAuditCli(args, (l) => out.push(l), (l) => out.push(l), { ...process.env, DATABASE_URL: db.url });
  return { code, out };
}

test('an account made on A signs in on B (sealed TOTP secret); the session cookie works on both; signing out on B ends it on A', async () => {
  const admin = await apiToken('ops-1', 'admin');
  const created = await call(a.url, 'POST', '/api/admin/users', admin, { username: 'dr-shared', role: 'clinician', password: PW });
  assert.is(created.status, 201);
  const sealed = await call(b.url, 'POST', '/api/admin/users', admin, { username: 'dr-shared', role: 'clinician', password: PW });
  assert.is(sealed.status, 409, 'B sees the account A created');

  const signedIn = await login(b.url, { username: 'dr-shared', password: PW, code: await totpCode(created.json.totpSecret, Date.now()) });
  assert.is(signedIn.status, 200);
  const cookie = signedIn.cookie!;
  const onA = await withCookie(a.url, cookie, 'GET', '/api/auth/session');
  assert.is(onA.status, 200, 'the session started on B works on A');
  assert.is(onA.json.sid, signedIn.json.sid);

  // A live sync connection on A, from a token the session minted on A.
  const v = await withCookie(a.url, cookie, 'POST', '/api/visits', visitBody({ clinicians: [{ id: signedIn.json.userId, name: 'Dr Shared' }] }));
  assert.is(v.status, 201);
  const note = `visit/${v.json.id}/note`;
  const st = await withCookie(a.url, cookie, 'POST', '/api/auth/sync-token', { doc: note });
  assert.is(st.status, 200);
  const p = provider(a.port, note, st.json.token);
  await synced(p);
  const closed = new Promise<number>((resolve) => p.on('connection-close', (e: any) => { if (e) resolve(e.code); }));

  const out = await withCookie(b.url, cookie, 'POST', '/api/auth/logout');
  assert.is(out.status, 200);
  assert.is(await closed, CloseCode.SESSION_REVOKED, 'the connection on A closes');
  p.shouldConnect = false;
  destroyAll(p);
  assert.is((await withCookie(a.url, cookie, 'GET', '/api/auth/session')).status, 401, 'ended on A too');
  assert.is((await withCookie(b.url, cookie, 'GET', '/api/auth/session')).status, 401);
});

test('concurrent audited requests on both instances leave one chain that verifies, with both instances\' entries', async () => {
  const [ta, tb] = [await apiToken('dr-on-a', 'clinician'), await apiToken('dr-on-b', 'clinician')];
  const before = (await auditCli('verify')).out.join();
  const N = 25;
  const results = await Promise.all(Array.from({ length: N }, (_, i) => [
    call(a.url, 'POST', '/api/visits', ta, visitBody({ clinicians: [{ id: 'dr-on-a', name: `A ${i}` }] })),
    call(b.url, 'POST', '/api/visits', tb, visitBody({ clinicians: [{ id: 'dr-on-b', name: `B ${i}` }] })),
  ]).flat());
  assert.ok(results.every((r) => r.status === 201), results.map((r) => r.status).join());

  // Each answer went out after its entry was committed: all of them are there now.
  const verified = await auditCli('verify');
  assert.is(verified.code, 0, verified.out.join('\n'));
  assert.match(verified.out[0]!, /audit chain intact/);
  assert.is.not(verified.out.join(), before);
  const entries = (await auditCli('export', '--format', 'ndjson')).out.map((l) => JSON.parse(l) as { seq: number; actor: string; action: string });
  const posts = (actor: string) => entries.filter((e) => e.actor === actor && e.action === 'POST /api/visits').length;
  assert.is(posts('dr-on-a'), N);
  assert.is(posts('dr-on-b'), N);
  assert.equal(entries.map((e) => e.seq), entries.map((_, i) => i + 1), 'one gap-free sequence');
  const overApi = await call(b.url, 'GET', '/api/audit/verify', await apiToken('ops-1', 'admin'));
  assert.is(overApi.json.ok, true);
  assert.ok(overApi.json.entries >= entries.length);
});

test.run();
