/** Visits end to end: access by role, room commands, invites, close exactly once, valid FHIR records. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import type { RunningServer } from '../../../server/app.ts';
import { destroyAll, provider, removeDir, startTestServer, synced, tempDir, token, waitFor } from '../../helpers/server.ts';
import { apiToken, call, visitBody } from '../../helpers/api.ts';
import { upgradeStatus } from '../../helpers/raw.ts';
import { validateFhir } from '../../../server/fhir/validate.ts';

const test = suite('visits API and documents');
let dir = '';
let server: RunningServer;
let base = '';
let dr = '';

test.before(async () => {
  dir = tempDir();
  server = await startTestServer(dir);
  base = server.url;
  dr = await apiToken('dr-chen', 'clinician');
});
test.after(async () => { await server.stop(); removeDir(dir); });

test('create validates input and role', async () => {
  const bad = await call(base, 'POST', '/api/visits', dr, { kind: 'nope' });
  assert.is(bad.status, 400);
  assert.is(bad.json.error.code, 'ERR_INVALID_VISIT');
  assert.ok(bad.json.error.fields.length > 0);
  const pt = await call(base, 'POST', '/api/visits', await apiToken('pat-1', 'patient'), visitBody());
  assert.is(pt.status, 403);
  const none = await call(base, 'POST', '/api/visits', null, visitBody());
  assert.is(none.status, 401);
  assert.is(none.json.error.code, 'ERR_TOKEN_MISSING');
});

test('patient reads the room only, billing neither, clinician writes both; patient writes are not applied', async () => {
  const v = (await call(base, 'POST', '/api/visits', dr, visitBody())).json;
  const room = `visit/${v.id}/room`;
  const note = `visit/${v.id}/note`;
  assert.is(await upgradeStatus(server.port, note, await token({ doc: note, sub: 'pat-1', role: 'patient' })), 403);
  assert.is(await upgradeStatus(server.port, room, await token({ doc: room, sub: 'bill-1', role: 'billing' })), 403);
  assert.is(await upgradeStatus(server.port, note, await token({ doc: note, sub: 'bill-1', role: 'billing' })), 403);
  assert.is(await upgradeStatus(server.port, room, await token({ doc: room, sub: 'pat-9', role: 'patient' })), 403, 'another visit\'s patient');
  assert.is(await upgradeStatus(server.port, room, await token({ doc: room, sub: 'pat-1', role: 'patient' })), 101);

  const c = provider(server.port, note, await token({ doc: note, sub: 'dr-chen' }));
  const cr = provider(server.port, room, await token({ doc: room, sub: 'dr-chen' }));
  const p = provider(server.port, room, await token({ doc: room, sub: 'pat-1', role: 'patient' }));
  await Promise.all([synced(c), synced(cr), synced(p)]);
  c.doc.getText('hpi').insert(0, 'Patient reports a dry cough.');
  cr.doc.getMap('scratch').set('clinician', 'was here');
  await waitFor(() => p.doc.getMap('scratch').get('clinician') === 'was here', 'patient sees clinician room write');
  p.doc.getMap('scratch').set('patient', 'sneaky');
  // A second clinician connection proves the patient's write was neither applied nor broadcast.
  const check = provider(server.port, room, await token({ doc: room, sub: 'dr-b' }));
  await synced(check);
  c.doc.getText('plan').insert(0, 'fluids');
  cr.doc.getMap('scratch').set('marker', 1);
  await waitFor(() => check.doc.getMap('scratch').get('marker') === 1, 'marker');
  assert.is(check.doc.getMap('scratch').get('patient'), undefined);
  assert.is(cr.doc.getMap('scratch').get('patient'), undefined);
  // Note edits are attributed to their author in the note itself.
  const n2 = provider(server.port, note, await token({ doc: note, sub: 'dr-b' }));
  await synced(n2);
  await waitFor(() => n2.doc.getText('plan').toString() === 'fluids', 'note synced');
  const authors = n2.doc.getMap('authors');
  assert.is(authors.get(String(c.doc.clientID)), 'dr-chen');
  destroyAll(c, cr, p, check, n2);
});

test('queue, admit, breakout, remove through server commands; positions and waits; illegal transitions refused', async () => {
  const v = (await call(base, 'POST', '/api/visits', dr, visitBody({ kind: 'group-therapy', patients: [{ id: 'pa', displayName: 'A' }, { id: 'pb', displayName: 'B' }] }))).json;
  const pa = await apiToken('pa', 'patient');
  const pb = await apiToken('pb', 'patient');
  const early = await call(base, 'POST', `/api/visits/${v.id}/close`, dr);
  assert.is(early.status, 409);
  assert.is(early.json.error.code, 'ERR_ILLEGAL_TRANSITION');
  assert.is((await call(base, 'POST', `/api/visits/${v.id}/commands`, pa, { type: 'checkIn', participantId: 'pa', displayName: 'A' })).status, 200);
  assert.is((await call(base, 'POST', `/api/visits/${v.id}/commands`, pb, { type: 'checkIn', participantId: 'pb', displayName: 'B' })).status, 200);
  assert.is((await call(base, 'GET', `/api/visits/${v.id}`, dr)).json.status, 'waiting');
  const posB = await call(base, 'GET', `/api/visits/${v.id}/queue/pb`, pb);
  assert.is(posB.status, 200);
  assert.is(posB.json.position, 2);
  assert.is((await call(base, 'GET', `/api/visits/${v.id}/queue/pa`, pb)).status, 403, 'not someone else\'s position');
  const forbidden = await call(base, 'POST', `/api/visits/${v.id}/commands`, pb, { type: 'admit', participantId: 'pb' });
  assert.is(forbidden.status, 403);
  assert.is(forbidden.json.error.code, 'ERR_FORBIDDEN_COMMAND');
  assert.is((await call(base, 'POST', `/api/visits/${v.id}/commands`, dr, { type: 'admit', participantId: 'pa' })).json.status, 'in-progress');
  assert.is((await call(base, 'GET', `/api/visits/${v.id}/queue/pb`, pb)).json.position, 1);
  assert.is((await call(base, 'POST', `/api/visits/${v.id}/commands`, dr, { type: 'toBreakout', participantId: 'pa', breakoutId: 'b1' })).status, 200);
  assert.is((await call(base, 'POST', `/api/visits/${v.id}/commands`, dr, { type: 'fromBreakout', participantId: 'pa' })).status, 200);
  assert.is((await call(base, 'POST', `/api/visits/${v.id}/commands`, dr, { type: 'remove', participantId: 'pb' })).status, 200);
  const room = `visit/${v.id}/room`;
  const p = provider(server.port, room, await token({ doc: room, sub: 'pa', role: 'patient' }));
  await synced(p);
  const queue = p.doc.getArray<Y.Map<unknown>>('queue').toArray().map((m) => [m.get('participantId'), m.get('state')]);
  assert.equal(queue, [['pa', 'admitted'], ['pb', 'left']]);
  destroyAll(p);
});

test('invites: create, use once, second use refused, wrong code, revoke; joiner appears in the roster', async () => {
  const v = (await call(base, 'POST', '/api/visits', dr, visitBody())).json;
  assert.is((await call(base, 'POST', `/api/visits/${v.id}/invites`, await apiToken('pat-1', 'patient'), { role: 'interpreter', language: 'es' })).status, 403);
  const inv = (await call(base, 'POST', `/api/visits/${v.id}/invites`, dr, { role: 'interpreter', language: 'es' })).json;
  assert.ok(inv.token && /^\d{6}$/.test(inv.code));
  const wrong = await call(base, 'POST', '/api/invites/redeem', null, { token: inv.token, code: inv.code === '000000' ? '111111' : '000000', displayName: 'Lucia' });
  assert.is(wrong.json.error.code, 'ERR_INVITE_CODE_WRONG');
  const ok = await call(base, 'POST', '/api/invites/redeem', null, { token: inv.token, code: inv.code, displayName: 'Lucia' });
  assert.is(ok.status, 200);
  assert.is(ok.json.role, 'interpreter');
  // The joiner's token opens the room (read-only) and never the note.
  assert.is(await upgradeStatus(server.port, `visit/${v.id}/room`, ok.json.token), 101);
  assert.is(await upgradeStatus(server.port, `visit/${v.id}/note`, ok.json.token), 403);
  const again = await call(base, 'POST', '/api/invites/redeem', null, { token: inv.token, code: inv.code, displayName: 'Lucia' });
  assert.is(again.json.error.code, 'ERR_INVITE_USED');
  const room = `visit/${v.id}/room`;
  const c = provider(server.port, room, await token({ doc: room, sub: 'dr-chen' }));
  await synced(c);
  const entry = c.doc.getMap<Y.Map<unknown>>('roster').get(ok.json.participantId);
  assert.ok(entry, 'interpreter is in the roster');
  assert.is(entry!.get('role'), 'interpreter');
  assert.is(entry!.get('language'), 'es');
  const inv2 = (await call(base, 'POST', `/api/visits/${v.id}/invites`, dr, { role: 'caregiver', relationship: 'DAU' })).json;
  assert.is((await call(base, 'DELETE', `/api/visits/${v.id}/invites/${inv2.id}`, dr)).status, 200);
  const revoked = await call(base, 'POST', '/api/invites/redeem', null, { token: inv2.token, code: inv2.code, displayName: 'Dana' });
  assert.is(revoked.json.error.code, 'ERR_INVITE_REVOKED');
  destroyAll(c);
});

test('close twice concurrently gives one set of records; writes after close are refused; FHIR validates', async () => {
  const v = (await call(base, 'POST', '/api/visits', dr, visitBody())).json;
  await call(base, 'POST', `/api/visits/${v.id}/commands`, await apiToken('pat-1', 'patient'), { type: 'checkIn', participantId: 'pat-1', displayName: 'Pat' });
  await call(base, 'POST', `/api/visits/${v.id}/commands`, dr, { type: 'admit', participantId: 'pat-1' });
  await call(base, 'POST', `/api/visits/${v.id}/commands`, dr, { type: 'join', participantId: 'dr-chen', displayName: 'Dr Chen' });
  const note = `visit/${v.id}/note`;
  const c = provider(server.port, note, await token({ doc: note, sub: 'dr-chen' }));
  await synced(c);
  c.doc.getText('assessment').insert(0, 'Acute bronchitis.');
  const closedCodes: number[] = [];
  c.on('connection-close', (e: any) => { if (e) closedCodes.push(e.code); });
  const reader = provider(server.port, note, await token({ doc: note, sub: 'dr-b' }));
  await waitFor(() => reader.doc.getText('assessment').toString() === 'Acute bronchitis.', 'note committed');
  const billing = { patientStatus: 'established', totalMinutes: 25, payer: 'medicare-2026', clinician: { licensedStates: ['MA'] }, consents: { telehealth: { date: new Date().toISOString().slice(0, 10), state: 'MA' } } };
  const [a, b] = await Promise.all([
    call(base, 'POST', `/api/visits/${v.id}/close`, dr, { billing }),
    call(base, 'POST', `/api/visits/${v.id}/close`, dr, { billing }),
  ]);
  assert.equal([a.status, b.status].sort(), [200, 409]);
  await waitFor(() => closedCodes.includes(4004), 'clinician told with DOCUMENT_CLOSED');
  const rec = await call(base, 'GET', `/api/visits/${v.id}/records`, dr);
  assert.is(rec.status, 200);
  assert.is(rec.json.bundles.length, 1);
  assert.is(rec.json.delivery.length, 1, 'one outbox entry');
  const resources = rec.json.bundles[0].bundle.entry.map((e: any) => e.resource);
  const enc = resources.find((r: any) => r.resourceType === 'Encounter');
  const doc = resources.find((r: any) => r.resourceType === 'DocumentReference');
  const charges = resources.filter((r: any) => r.resourceType === 'ChargeItem');
  assert.is(enc.class.code, 'VR');
  assert.is(doc.type.coding[0].system, 'http://loinc.org');
  assert.ok(Buffer.from(doc.content[0].attachment.data, 'base64').toString().includes('Acute bronchitis.'));
  assert.ok(charges.length >= 1);
  assert.is(charges[0].code.coding[0].code, '99213');
  for (const r of [...resources, rec.json.bundles[0].bundle]) {
    const errors = validateFhir(r).filter((i) => i.severity === 'error');
    assert.equal(errors, [], `${r.resourceType} validates`);
  }
  // Billing sees charges, never the note.
  const bill = await call(base, 'GET', `/api/visits/${v.id}/records`, await apiToken('bill-1', 'billing'));
  assert.is(bill.status, 200);
  assert.not.ok(JSON.stringify(bill.json).includes('bronchitis'));
  assert.ok(bill.json.chargeItems.length >= 1);
  assert.is((await call(base, 'GET', `/api/visits/${v.id}/records`, await apiToken('pat-1', 'patient'))).status, 403);
  // After close: the note opens read-only for clinicians; a write is not applied.
  destroyAll(c, reader);
  const late = provider(server.port, note, await token({ doc: note, sub: 'dr-chen' }));
  await synced(late);
  late.doc.getText('plan').insert(0, 'too late');
  const check = provider(server.port, note, await token({ doc: note, sub: 'dr-b' }));
  await synced(check);
  assert.is(check.doc.getText('plan').toString(), '');
  assert.is((await call(base, 'POST', `/api/visits/${v.id}/close`, dr)).status, 409);
  destroyAll(late, check);
});

test('billing preview validates input and refuses roles without billing rights', async () => {
  const bad = await call(base, 'POST', '/api/billing/preview', dr, { patientStatus: 'maybe' });
  assert.is(bad.status, 400);
  assert.is(bad.json.error.code, 'ERR_INVALID_FACTS');
  assert.is((await call(base, 'POST', '/api/billing/preview', await apiToken('pat-1', 'patient'), {})).status, 403);
  const ok = await call(base, 'POST', '/api/billing/preview', await apiToken('b', 'billing'), {
    patientStatus: 'new', totalMinutes: 45, modality: 'video', patientLocation: { state: 'MA', setting: 'home' },
    clinician: { licensedStates: ['MA'] }, payer: 'medicare-2026', consents: { telehealth: { date: new Date().toISOString().slice(0, 10), state: 'MA' } },
  });
  assert.is(ok.status, 200);
  assert.is(ok.json.lines[0].code, '99204');
});

test.run();
