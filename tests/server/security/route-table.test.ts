/**
 * The RBAC route table covers the running app exactly: every route registered under /api/,
 * /fhir/ and /smart/ (the roots the guard fails closed on) has one row, every row is a registered route (no
 * stale rows), and each route's own paths find its own row (no row shadows another). The server runs with single sign-on configured so that its
 * routes are registered too; LiveKit, EHR and scheduling routes are registered unconditionally.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../../../server/app.ts';
import { matchRoute, ROUTES } from '../../../server/security/routes.ts';
import { removeDir, startTestServer, tempDir } from '../../helpers/server.ts';

const test = suite('RBAC route table covers the app');
let dir = '';
let server: RunningServer;

test.before(async () => {
  dir = tempDir('rounds-route-table-');
  server = await startTestServer(dir, {
    ROUNDS_OIDC_ISSUER: 'http://127.0.0.1:9/oidc', ROUNDS_OIDC_CLIENT_ID: 'rounds', ROUNDS_OIDC_CLIENT_SECRET: 'secret',
    ROUNDS_OIDC_REDIRECT_URL: 'http://127.0.0.1:9/api/auth/sso/callback', ROUNDS_OIDC_ROLE_MAP: 'physicians=clinician', ROUNDS_OIDC_ALLOW_HTTP: 'true',
  });
});
test.after(async () => { await server.stop(); removeDir(dir); });

const key = (r: { method: string; pattern: string }) => `${r.method} ${r.pattern}`;
/** The roots under the table: the guard refuses a path there that has no row. */
const isApi = (pattern: string) => ['api', 'fhir', 'smart'].includes(pattern.split('/').find(Boolean) ?? '');
const count = (list: string[], k: string) => list.filter((x) => x === k).length;

test('every registered /api/, /fhir/ and /smart/ route has exactly one row', () => {
  const rows = ROUTES.map(key);
  const api = server.routes().filter((r) => isApi(r.pattern)).map(key);
  assert.ok(api.length > 40, `the app registers its API routes (${api.length})`);
  assert.ok(api.filter((k) => k.includes(' /fhir/')).length >= 10, 'FHIR scheduling routes included');
  assert.equal(api.filter((k) => k.includes(' /smart/')).sort(), ['GET /smart/callback', 'GET /smart/launch', 'GET /smart/standalone'], 'SMART launch routes included');
  assert.equal(api.filter((k) => count(rows, k) !== 1), []);
});

test('every row is a route the app registers, once (no stale or duplicate rows)', () => {
  const registered = server.routes().map(key);
  assert.equal(ROUTES.map(key).filter((k) => count(registered, k) !== 1), []);
});

test('a path of each API route finds that route\'s own row', () => {
  for (const r of server.routes().filter((x) => isApi(x.pattern))) {
    const sample = r.pattern.replace(/:(\w+)/g, (_m, name: string) => `${name}-1`);
    assert.is(key(matchRoute(r.method, sample)?.rule ?? { method: '', pattern: 'none' }), key(r), sample);
  }
});

test('in a row, `:id` is always a visit id (the guard takes visit-scoped tokens and audits `visit/<id>` for it)', () => {
  for (const r of ROUTES) if (r.pattern.includes('/:id')) assert.ok(r.pattern.startsWith('/api/visits/:id'), `${key(r)}: name the parameter after what it identifies`);
});

test.run();
