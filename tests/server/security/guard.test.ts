/**
 * Audit wiring end to end: API calls (allowed and denied), sync documents opened, closed and
 * written without permission, and refused upgrades all leave chained entries with time, user,
 * role, resource, action, outcome and source address, and never the PHI itself.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import type { RunningServer } from '../../../server/app.ts';
import { destroyAll, provider, removeDir, startTestServer, synced, tempDir, token, waitFor } from '../../helpers/server.ts';
import { apiToken, call, visitBody } from '../../helpers/api.ts';
import { docUrl, upgradeAnswer } from '../../helpers/raw.ts';

const test = suite('security guard and audit wiring');
let dir = '';
let server: RunningServer;

test.before(async () => {
  dir = tempDir('rounds-guard-');
  server = await startTestServer(dir);
});
test.after(async () => { await server.stop(); removeDir(dir); });

const entries = () => server.audit.list();

test('API calls are audited with who, role, resource, action, outcome and address', async () => {
  const dr = await apiToken('dr-chen', 'clinician');
  const v = (await call(server.url, 'POST', '/api/visits', dr, visitBody({ patients: [{ id: 'pat-1', displayName: 'Zelda Quartermaine' }] }))).json;
  assert.is((await call(server.url, 'GET', `/api/visits/${v.id}`, await apiToken('pat-1', 'patient'))).status, 200);
  assert.is((await call(server.url, 'GET', `/api/visits/${v.id}/records`, await apiToken('nurse-1', 'nurse'))).status, 403);
  assert.is((await call(server.url, 'GET', `/api/visits/${v.id}`, 'not-a-token')).status, 401);
  const es = await entries();
  const created = es.find((e) => e.action === 'POST /api/visits');
  assert.ok(created);
  assert.is(created!.actor, 'dr-chen');
  assert.is(created!.role, 'clinician');
  assert.is(created!.outcome, 'allowed');
  assert.is(created!.address, '127.0.0.1');
  assert.ok(!Number.isNaN(Date.parse(created!.at)));
  const read = es.find((e) => e.action === 'GET /api/visits/:id' && e.actor === 'pat-1');
  assert.is(read?.resource, `visit visit/${v.id}`);
  assert.is(read?.outcome, 'allowed');
  const denied = es.find((e) => e.action === 'GET /api/visits/:id/records');
  assert.equal([denied?.actor, denied?.role, denied?.outcome, denied?.detail], ['nurse-1', 'nurse', 'denied', '403']);
  const anon = es.find((e) => e.action === 'GET /api/visits/:id' && e.actor === 'anonymous');
  assert.is(anon?.outcome, 'denied');
  assert.not.match(JSON.stringify(es), /Zelda|Quartermaine/);
  // Calls to API paths outside the RBAC route table are refused and audited, naming a verified caller.
  await call(server.url, 'GET', '/api/not-a-route/x', dr);
  const other = (await entries()).find((e) => e.resource === '/api/not-a-route/x');
  assert.equal([other?.actor, other?.role, other?.action, other?.outcome, other?.detail], ['dr-chen', 'clinician', 'GET', 'denied', '404']);
});

test('fail closed: an API path with no RBAC row is refused as not found before any handler runs; other paths keep working', async () => {
  const dr = await apiToken('dr-chen', 'clinician');
  const v = (await call(server.url, 'POST', '/api/visits', dr, visitBody())).json;
  const missing = await call(server.url, 'GET', '/api/no-such-thing', null);
  assert.equal([missing.status, missing.json], [404, { error: { code: 'ERR_NOT_FOUND', message: 'not found' } }]);
  // A registered path under another method (the router would say 405) gets the same answer: no row, no hint.
  for (const [method, path] of [['PUT', '/api/visits'], ['DELETE', `/api/visits/${v.id}`], ['PATCH', `/api/visits/${v.id}/close`], ['GET', '//api/outbox/x']]) {
    const r = await call(server.url, method!, path!, dr, method === 'GET' ? undefined : {});
    assert.equal([r.status, r.json], [404, missing.json], `${method} ${path}`);
  }
  const denied = (await entries()).filter((e) => e.outcome === 'denied' && e.detail === '404');
  assert.ok(denied.some((e) => e.resource === `/api/visits/${v.id}` && e.action === 'DELETE' && e.actor === 'dr-chen'));
  assert.ok(denied.some((e) => e.resource === '/api/no-such-thing' && e.actor === 'anonymous'));
  assert.is((await call(server.url, 'GET', '/healthz', null)).status, 200);
  const page = await fetch(`${server.url}/clinician/${v.id}`);
  await page.body?.cancel();
  assert.ok([200, 503].includes(page.status), 'the web app fallback still answers (503 when the app is not built)');
  assert.is((await upgradeAnswer(docUrl(server.port, `visit/${v.id}/room`, await token({ doc: `visit/${v.id}/room`, sub: 'dr-chen' })))).status, 101);
});

test('fail closed under /fhir/ too: unlisted paths and methods are 404, unlisted roles 403, as OperationOutcomes, audited', async () => {
  const dr = await apiToken('dr-chen', 'clinician');
  const outcome = (r: { json: any }) => [r.json?.resourceType, r.json?.issue?.[0]?.details?.coding?.[0]?.code];
  for (const [method, path] of [['GET', '/fhir/Patient/p-1'], ['DELETE', '/fhir/Appointment/a-1'], ['GET', '/fhir/Encounter'], ['POST', '/fhir/Schedule/s-1']]) {
    const r = await call(server.url, method!, path!, dr, method === 'POST' ? {} : undefined);
    assert.equal([r.status, ...outcome(r)], [404, 'OperationOutcome', 'ERR_NOT_FOUND'], `${method} ${path}`);
  }
  const caregiver = await call(server.url, 'GET', '/fhir/Slot?status=free', await apiToken('cg-1', 'caregiver'));
  assert.equal([caregiver.status, ...outcome(caregiver)], [403, 'OperationOutcome', 'ERR_FORBIDDEN']);
  assert.is(caregiver.json.issue[0].code, 'forbidden');
  const admin = await call(server.url, 'GET', '/fhir/Appointment/a-1', await apiToken('ops-1', 'admin'));
  assert.equal([admin.status, ...outcome(admin)], [403, 'OperationOutcome', 'ERR_FORBIDDEN'], 'admin reads no appointment (it names the patient)');
  const anon = await call(server.url, 'GET', '/fhir/Slot', null);
  assert.equal([anon.status, ...outcome(anon)], [401, 'OperationOutcome', 'ERR_TOKEN_MISSING']);
  assert.is((await call(server.url, 'GET', '/fhir/metadata', null)).status, 200, 'the CapabilityStatement stays public');
  const es = await entries();
  assert.ok(es.some((e) => e.resource === '/fhir/Patient/p-1' && e.actor === 'dr-chen' && e.outcome === 'denied' && e.detail === '404'));
  assert.ok(es.some((e) => e.action === 'GET /fhir/Slot' && e.actor === 'cg-1' && e.outcome === 'denied'));
  assert.ok(es.some((e) => e.action === 'GET /fhir/Appointment/:appointmentId' && e.resource === 'appointment appointment/a-1' && e.actor === 'ops-1' && e.outcome === 'denied'));
});

test('fail closed under /smart/ too: unlisted paths and methods are 404 and audited as denied; the launch routes still answer', async () => {
  const dr = await apiToken('dr-chen', 'clinician');
  const notFound = { error: { code: 'ERR_NOT_FOUND', message: 'not found' } };
  for (const [method, path, bearer] of [['GET', '/smart/token', null], ['GET', '/smart', null], ['POST', '/smart/launch', null], ['GET', '/smart/launch/extra', dr], ['DELETE', '/smart/callback', dr]] as const) {
    const r = await call(server.url, method, path, bearer, method === 'GET' ? undefined : {});
    assert.equal([r.status, r.json], [404, notFound], `${method} ${path}`);
  }
  const es = (await entries()).filter((e) => e.resource.startsWith('/smart') && e.outcome === 'denied' && e.detail === '404');
  assert.equal(es.map((e) => `${e.action} ${e.resource} ${e.actor}`), [
    'GET /smart/token anonymous', 'GET /smart anonymous', 'POST /smart/launch anonymous', 'GET /smart/launch/extra dr-chen', 'DELETE /smart/callback dr-chen',
  ]);
  // The listed routes reach their handlers (SMART is not configured on this server, and says so).
  for (const path of ['/smart/launch?iss=https%3A%2F%2Fehr.example%2Ffhir&launch=l-1', '/smart/standalone?iss=x', '/smart/callback?code=c&state=s']) {
    const r = await call(server.url, 'GET', path, null);
    assert.equal([r.status, r.json?.error?.code], [404, 'ERR_SMART_NOT_CONFIGURED'], path);
  }
  assert.ok((await entries()).some((e) => e.action === 'GET /smart/launch' && e.resource === 'smart/launch' && e.actor === 'anonymous'), 'launches are still audited');
});

test('sync: opened, write refused, closed, and refused upgrades are audited; no note text in the log', async () => {
  const dr = await apiToken('dr-chen', 'clinician');
  const v = (await call(server.url, 'POST', '/api/visits', dr, visitBody())).json;
  const note = `visit/${v.id}/note`;
  const room = `visit/${v.id}/room`;
  const c = provider(server.port, note, await token({ doc: note, sub: 'dr-chen' }));
  const p = provider(server.port, room, await token({ doc: room, sub: 'pat-1', role: 'patient' }));
  await Promise.all([synced(c), synced(p)]);
  c.doc.getXmlFragment('body');
  c.doc.getText('draft').insert(0, 'Secret finding: xylophone lesion');
  p.doc.getMap('crafted').set('role', 'clinician');
  await waitFor(async () => (await entries()).some((e) => e.action === 'sync.write' && e.actor === 'pat-1'), 'write refused entry');
  destroyAll(c, p);
  await waitFor(async () => (await entries()).filter((e) => e.action === 'sync.close' && e.resource.startsWith(`visit/${v.id}/`)).length === 2, 'close entries');
  const refused = await new Promise<number>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/sync/${note}?token=${'x'.repeat(10)}`);
    ws.on('unexpected-response', (_q, r) => { resolve(r.statusCode ?? 0); ws.terminate(); });
    ws.on('error', () => {});
  });
  assert.is(refused, 401);
  const billingTok = await token({ doc: note, sub: 'bill-1', role: 'billing' });
  await new Promise<void>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/sync/${note}?token=${billingTok}`);
    ws.on('unexpected-response', () => { ws.terminate(); resolve(); });
    ws.on('error', () => {});
  });
  const es = (await entries()).filter((e) => e.resource === note || e.resource === room);
  const opened = es.find((e) => e.action === 'sync.open' && e.actor === 'dr-chen');
  assert.equal([opened?.role, opened?.outcome, opened?.detail, opened?.address], ['clinician', 'allowed', 'write', '127.0.0.1']);
  assert.is(es.find((e) => e.action === 'sync.open' && e.actor === 'pat-1')?.detail, 'read');
  assert.is(es.find((e) => e.action === 'sync.write')?.outcome, 'denied');
  assert.ok(es.some((e) => e.action === 'sync.open' && e.outcome === 'denied' && e.actor === 'anonymous' && e.detail === 'ERR_TOKEN_INVALID'));
  assert.ok(es.some((e) => e.action === 'sync.open' && e.outcome === 'denied' && e.actor === 'unverified:bill-1' && e.detail === 'ERR_FORBIDDEN'));
  assert.not.match(JSON.stringify(await entries()), /xylophone/);
  const r = await server.audit.verify();
  assert.ok(r.ok);
});

test('admins verify and export the log over the API', async () => {
  const admin = await apiToken('ops-1', 'admin');
  const v = await call(server.url, 'GET', '/api/audit/verify', admin);
  assert.is(v.status, 200);
  assert.is(v.json.ok, true);
  const res = await fetch(`${server.url}/api/audit/export?format=csv`, { headers: { authorization: `Bearer ${admin}` } });
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/csv/);
  const lines = (await res.text()).trim().split('\n');
  assert.is(lines[0], 'seq,at,actor,role,resource,action,outcome,address,detail,prevHash,hash');
  assert.ok(lines.length > 5);
  assert.is((await call(server.url, 'GET', '/api/audit/export?format=xml', admin)).status, 400);
});

test('invite redemption (one-time codes) is rate limited per source address', async () => {
  const d = tempDir('rounds-guard-rl-');
  const s = await startTestServer(d, { ROUNDS_SIGN_IN_PER_MINUTE: '5' });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await call(s.url, 'POST', '/api/invites/redeem', null, { token: 'x'.repeat(43), code: '123456', displayName: 'Guess' })).status);
    assert.equal(statuses, [404, 404, 404, 404, 404, 429, 429]);
    assert.ok((await s.audit.list()).some((e) => e.action === 'POST /api/invites/redeem' && e.detail === '429'));
  } finally {
    await s.stop();
    removeDir(d);
  }
});

test.run();
