/**
 * The whole RBAC matrix against a real server: every role × every API route, and every role ×
 * document kind × visit state (open / ended), gets exactly the expected outcome. The expectations
 * are written out here by hand, independently of server/security/rbac.ts, so a wrong table entry
 * fails this test. Granted document access is read back from the audit trail (`sync.open` entries).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import type { RunningServer } from '../../../server/app.ts';
import { ROLES, type Role } from '../../../server/visits/model.ts';
import { ROUTES } from '../../../server/security/routes.ts';
import { removeDir, startTestServer, tempDir, token } from '../../helpers/server.ts';
import { apiToken, call, visitBody } from '../../helpers/api.ts';

const test = suite('RBAC matrix');
let dir = '';
let server: RunningServer;
let base = '';

test.before(async () => {
  dir = tempDir('rounds-rbac-');
  server = await startTestServer(dir);
  base = server.url;
});
test.after(async () => { await server.stop(); removeDir(dir); });

/** A visit in progress (the patient checked in and was admitted), ready to be closed. */
async function startedVisit(dr: string): Promise<string> {
  const id = (await call(base, 'POST', '/api/visits', dr, visitBody())).json.id as string;
  await call(base, 'POST', `/api/visits/${id}/commands`, await apiToken('pat-1', 'patient'), { type: 'checkIn', participantId: 'pat-1', displayName: 'Pat One' });
  const r = await call(base, 'POST', `/api/visits/${id}/commands`, dr, { type: 'admit', participantId: 'pat-1' });
  assert.is(r.json.status, 'in-progress');
  return id;
}

const sub = (role: Role) => (role === 'patient' ? 'pat-1' : `${role}-1`);
type Want = 'allow' | 'deny' | 'public' | 'session' | 'sso';
const A: Want = 'allow';
const D: Want = 'deny';

/** role order: clinician nurse scribe patient caregiver interpreter observer billing admin */
const EXPECTED_API: Record<string, Want[] | Want> = {
  'GET /healthz': 'public',
  'POST /api/visits': [A, D, D, D, D, D, D, D, D],
  'GET /api/visits': [A, A, A, D, D, D, D, D, D],
  'GET /api/visits/:id': [A, A, A, A, D, D, D, D, D],
  'POST /api/visits/:id/intake': [D, D, D, A, D, D, D, D, D],
  'GET /api/visits/:id/intake/:participantId': [A, A, A, D, D, D, D, D, D],
  'POST /api/visits/:id/commands': [A, A, A, A, A, A, A, D, D],
  'GET /api/visits/:id/queue/:participantId': [A, A, A, A, A, A, A, D, D],
  'POST /api/visits/:id/close': [A, D, D, D, D, D, D, D, D],
  'GET /api/visits/:id/records': [A, D, D, D, D, D, D, A, D],
  'POST /api/visits/:id/invites': [A, D, D, D, D, D, D, D, D],
  'DELETE /api/visits/:id/invites/:inviteId': [A, D, D, D, D, D, D, D, D],
  'POST /api/invites/redeem': 'public',
  'POST /api/billing/preview': [A, D, D, D, D, D, D, A, D],
  'GET /api/audit/verify': [D, D, D, D, D, D, D, D, A],
  'GET /api/audit/export': [D, D, D, D, D, D, D, D, A],
  'POST /api/admin/users': [D, D, D, D, D, D, D, D, A],
  'POST /api/admin/users/:userId/revoke': [D, D, D, D, D, D, D, D, A],
  // Sign-in is public; the session routes need the session cookie (tests/server/security/sessions.test.ts).
  'POST /api/auth/login': 'public',
  'GET /api/auth/session': 'session',
  'POST /api/auth/logout': 'session',
  'POST /api/auth/logout-all': 'session',
  'POST /api/auth/sync-token': 'session',
  // Only present when single sign-on is configured: tests/server/security/auth/sso.test.ts.
  'GET /api/auth/sso/start': 'sso',
  'GET /api/auth/sso/callback': 'sso',
};

type DocWant = 'write' | 'read' | 'none';
const W: DocWant = 'write';
const R: DocWant = 'read';
const N: DocWant = 'none';
const EXPECTED_DOCS: Record<string, DocWant[]> = {
  'note open': [W, W, W, N, N, N, N, N, N],
  'room open': [W, W, R, R, R, R, R, N, N],
  'note ended': [R, R, R, N, N, N, N, N, N],
  'room ended': [R, R, R, N, N, N, N, N, N],
};

/** Like `call`, but tolerates non-JSON answers (the audit export is NDJSON). */
async function send(method: string, path: string, bearer: string | null, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: (res.headers.get('content-type') ?? '').includes('application/json') && text ? JSON.parse(text) : null };
}

test('the expectations cover every route the server has', () => {
  assert.equal(Object.keys(EXPECTED_API).sort(), ROUTES.map((r) => `${r.method} ${r.pattern}`).sort());
});

test('every role × every API route', async () => {
  const dr = await apiToken('clinician-1', 'clinician');
  const open = (await call(base, 'POST', '/api/visits', dr, visitBody())).json;
  const results: string[] = [];
  for (const [route, want] of Object.entries(EXPECTED_API)) {
    const [method, pattern] = route.split(' ') as [string, string];
    for (const [i, role] of ROLES.entries()) {
      const w = typeof want === 'string' ? want : want[i]!;
      if (w === 'sso') continue;
      // Close and records need their own visit states; invites need an invite to revoke.
      let visitId = open.id as string;
      let inviteId = 'i-none';
      if (pattern.endsWith('/close')) visitId = await startedVisit(dr);
      if (pattern.endsWith('/records')) {
        visitId = await startedVisit(dr);
        assert.is((await call(base, 'POST', `/api/visits/${visitId}/close`, dr, {})).status, 200);
      }
      if (method === 'DELETE') inviteId = (await call(base, 'POST', `/api/visits/${visitId}/invites`, dr, { role: 'interpreter', language: 'es' })).json.id;
      let userId = 'u-none';
      if (pattern.includes(':userId')) userId = (await call(base, 'POST', '/api/admin/users', await apiToken('admin-1', 'admin'), { username: `obs-${role}`, role: 'observer', password: 'a long enough password' })).json.id;
      const path = pattern.replace(':id', visitId).replace(':participantId', sub(role)).replace(':inviteId', inviteId).replace(':userId', userId);
      const body = method === 'GET' || method === 'DELETE' ? undefined
        : pattern === '/api/visits' ? visitBody()
        : pattern.endsWith('/commands') ? { type: 'raiseHand', participantId: sub(role) }
        : pattern.endsWith('/invites') ? { role: 'interpreter', language: 'es' }
        : pattern === '/api/admin/users' ? { username: `u-${role}`, role: 'observer', password: 'a long enough password' }
        : {};
      const r = await send(method, path, w === 'public' || w === 'session' ? null : await apiToken(sub(role), role), body);
      if (w === 'session') {
        if (r.status !== 401 || r.json?.error?.code !== 'ERR_SESSION_REQUIRED') results.push(`${route} without a session: got ${r.status}`);
        continue;
      }
      const got = r.status === 403 ? 'deny' : r.status === 401 ? 'unauthenticated' : r.status >= 500 ? 'error' : 'allow';
      const expected = w === 'public' ? 'allow' : w;
      if (got !== expected) results.push(`${role} ${route}: expected ${expected}, got ${r.status} ${JSON.stringify(r.json?.error ?? '')}`);
      // Allowed calls that change or return data succeed outright.
      if (expected === 'allow' && /^(POST \/api\/visits|GET \/api\/visits\/:id|POST \/api\/visits\/:id\/close|GET \/api\/visits\/:id\/records|POST \/api\/visits\/:id\/invites|DELETE .*|GET \/api\/audit\/.*|POST \/api\/admin\/.*)$/.test(route) && r.status >= 300) {
        results.push(`${role} ${route}: allowed but answered ${r.status}`);
      }
    }
  }
  assert.equal(results, []);
});

/** The upgrade's HTTP status; 0 when uWS dropped the fresh socket before its first message. */
function upgradeOnce(doc: string, tok: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/sync/${doc}?token=${tok}`);
    // The hub takes a socket over one turn after the upgrade (see server/transport/uws.ts): wait
    // for its first message (the sync greeting), so the document was really opened, then close.
    ws.on('message', () => { ws.close(); resolve(101); });
    ws.on('close', () => resolve(0));
    ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
    ws.on('error', () => {});
  });
}

/** uWS 20.30 rarely drops a fresh socket right after the upgrade (server/transport/uws.ts): retry those. */
async function upgrade(doc: string, tok: string): Promise<number> {
  let status = 0;
  for (let i = 0; i < 4 && status === 0; i++) status = await upgradeOnce(doc, tok);
  return status;
}

test('every role × document kind × visit state (open, ended)', async () => {
  const dr = await apiToken('clinician-1', 'clinician');
  const openVisit = (await call(base, 'POST', '/api/visits', dr, visitBody())).json.id as string;
  const endedVisit = await startedVisit(dr);
  assert.is((await call(base, 'POST', `/api/visits/${endedVisit}/close`, dr, {})).status, 200);
  const results: string[] = [];
  for (const [key, wants] of Object.entries(EXPECTED_DOCS)) {
    const [kind, state] = key.split(' ') as ['note' | 'room', 'open' | 'ended'];
    const doc = `visit/${state === 'open' ? openVisit : endedVisit}/${kind}`;
    for (const [i, role] of ROLES.entries()) {
      const status = await upgrade(doc, await token({ doc, sub: sub(role), role, access: 'write' }));
      let got: DocWant = 'none';
      if (status === 101) {
        const entry = (await server.audit.list()).reverse().find((e) => e.resource === doc && e.actor === sub(role) && e.action === 'sync.open');
        got = (entry?.detail as DocWant | undefined) ?? 'none';
      } else if (status !== 403) results.push(`${role} ${key}: unexpected status ${status}`);
      if (got !== wants[i]) results.push(`${role} ${key}: expected ${wants[i]}, got ${got}`);
    }
  }
  assert.equal(results, []);
});

test.run();
