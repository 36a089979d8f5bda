/**
 * The whole RBAC matrix against a real server: every role × every API route, and every role ×
 * document kind × visit state (open / ended), gets exactly the expected outcome. The expectations
 * are written out here by hand, independently of server/security/rbac.ts, so a wrong table entry
 * fails this test. A denial must be the guard's own refusal (before any handler runs); where the
 * table lets a role through to a handler that checks the concrete visit itself (video, EHR,
 * check-in), only the guard's decision is asserted here, the handlers' are in their own tests.
 * Granted document access is read back from the audit trail (`sync.open` entries).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../../../server/app.ts';
import { ROLES, type Role } from '../../../server/visits/model.ts';
import { ROUTES } from '../../../server/security/routes.ts';
import { ROLE_REFUSED } from '../../../server/security/guard.ts';
import { removeDir, startTestServer, tempDir, token } from '../../helpers/server.ts';
import { apiToken, call, visitBody } from '../../helpers/api.ts';
import { upgradeStatus } from '../../helpers/raw.ts';

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
type Want = 'allow' | 'through' | 'deny' | 'public' | 'session' | 'sso';
/** The guard lets the role through and the call is served (no 401, 403 or 5xx). */
const A: Want = 'allow';
/**
 * The guard lets the role through; the handler's own checks on the concrete visit, roster or
 * appointment (and whether video or the EHR is configured, which it is not here) decide.
 */
const H: Want = 'through';
/** The guard refuses the role (403 before the handler runs). */
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
  // Guests renew their own room token; the handler checks it is a room token of this visit (an API token is not).
  'POST /api/visits/:id/sync-token/renew': [D, D, D, H, H, H, D, D, D],
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
  // Video: every role of a room roster joins; the clinical team (clinician, nurse) moderates,
  // shares screens and records. The handlers check that the caller is on this visit.
  'POST /api/visits/:id/video-token': [H, H, H, H, H, H, H, D, D],
  'GET /api/visits/:id/video/permissions': [H, H, H, H, H, H, H, D, D],
  'POST /api/visits/:id/video/hide': [H, H, H, H, H, H, H, D, D],
  'POST /api/visits/:id/video/routing': [H, H, D, D, D, D, D, D, D],
  'POST /api/visits/:id/breakouts': [H, H, D, D, D, D, D, D, D],
  'POST /api/visits/:id/breakouts/:breakoutId/assign': [H, H, D, D, D, D, D, D, D],
  'POST /api/visits/:id/breakouts/:breakoutId/reconvene': [H, H, D, D, D, D, D, D, D],
  'POST /api/visits/:id/moderation/mute': [H, H, D, D, D, D, D, D, D],
  'POST /api/visits/:id/moderation/remove': [H, H, D, D, D, D, D, D, D],
  'POST /api/visits/:id/moderation/readmit': [H, H, D, D, D, D, D, D, D],
  'POST /api/visits/:id/moderation/permissions': [H, H, D, D, D, D, D, D, D],
  'POST /api/visits/:id/screen-share': [H, H, D, D, D, D, D, D, D],
  'POST /api/visits/:id/recording/start': [H, H, D, D, D, D, D, D, D],
  'POST /api/visits/:id/recording/stop': [H, H, D, D, D, D, D, D, D],
  'GET /api/visits/:id/recordings': [A, A, D, D, D, D, D, D, D],
  'GET /api/visits/:id/recordings/:recordingId': [H, H, D, D, D, D, D, D, D],
  'POST /api/livekit/webhook': 'public',
  // EHR: SMART launches are public; the patient context is for clinical roles; the outbox for operators.
  'GET /smart/launch': 'public',
  'GET /smart/standalone': 'public',
  'GET /smart/callback': 'public',
  'GET /api/visits/:id/patient-context': [H, H, H, D, D, D, D, D, D],
  'GET /api/outbox': [D, D, D, D, D, D, D, D, A],
  'POST /api/outbox/:outboxId/retry': [D, D, D, D, D, D, D, D, H],
  // Scheduling: clinical staff check anyone in, a patient their own appointment; admin nobody
  // (an appointment names its patient and admin sees no PHI).
  'POST /api/appointments/:appointmentId/check-in': [H, H, H, H, D, D, D, D, D],
  // FHIR scheduling: clinicians and admins create schedules and slots; those who book read them;
  // appointments like check-in (staff anyone's, a patient their own, never admin).
  'GET /fhir/metadata': 'public',
  'POST /fhir/Schedule': [A, D, D, D, D, D, D, D, A],
  'GET /fhir/Schedule': [A, A, A, A, D, D, D, D, A],
  'GET /fhir/Schedule/:scheduleId': [A, A, A, A, D, D, D, D, A],
  'POST /fhir/Slot': [A, D, D, D, D, D, D, D, A],
  'GET /fhir/Slot': [A, A, A, A, D, D, D, D, A],
  'GET /fhir/Slot/:slotId': [A, A, A, A, D, D, D, D, A],
  'POST /fhir/Appointment': [A, A, A, H, D, D, D, D, D],
  // Search: staff anyone's; a patient is served too, their own appointments only (the handler
  // adds their id to the query; tests/server/scheduling/routes.contract.ts).
  'GET /fhir/Appointment': [A, A, A, A, D, D, D, D, D],
  'GET /fhir/Appointment/:appointmentId': [A, A, A, H, D, D, D, D, D],
  'PUT /fhir/Appointment/:appointmentId': [A, A, A, H, D, D, D, D, D],
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
  return { status: res.status, json: /application\/(fhir\+)?json/.test(res.headers.get('content-type') ?? '') && text ? JSON.parse(text) : null };
}

/** The guard's own refusal of the role, as JSON (API) or as an OperationOutcome (FHIR). */
const guardRefused = (r: { status: number; json: any }) =>
  r.status === 403 && (r.json?.error?.message === ROLE_REFUSED || r.json?.issue?.[0]?.details?.text === ROLE_REFUSED);

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
      const path = pattern.replace(':id', visitId).replace(':participantId', sub(role)).replace(':inviteId', inviteId).replace(':userId', userId)
        .replace(/:(\w+)/g, (_m, name: string) => `${name}-1`);
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
      const refusedByGuard = guardRefused(r);
      const served = r.status !== 401 && r.status !== 403 && r.status < 500;
      // Public: no credential was sent and none was asked for (the handler answers as it will).
      const ok = w === 'deny' ? refusedByGuard : w === 'allow' ? served : w === 'through' ? !refusedByGuard && r.status !== 401 : r.status !== 401 && r.status !== 403;
      if (!ok) results.push(`${role} ${route}: expected ${w}, got ${r.status} ${JSON.stringify(r.json?.error ?? '')}`);
      // Allowed calls that change or return data succeed outright.
      if (w === 'allow' && /^(POST \/api\/visits|GET \/api\/visits\/:id|POST \/api\/visits\/:id\/close|GET \/api\/visits\/:id\/records|POST \/api\/visits\/:id\/invites|DELETE .*|GET \/api\/audit\/.*|POST \/api\/admin\/.*)$/.test(route) && r.status >= 300) {
        results.push(`${role} ${route}: allowed but answered ${r.status}`);
      }
    }
  }
  assert.equal(results, []);
});

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
      // Wait for the sync greeting: the hub has opened the document, so its audit entry exists.
      const status = await upgradeStatus(server.port, doc, await token({ doc, sub: sub(role), role, access: 'write' }), { firstMessage: true });
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
