/**
 * SMART App Launch end to end against a test EHR (FhirRouter + MemoryRepository, oidc-provider
 * requiring PKCE): EHR launch and standalone launch open the visit for the encounter; wrong iss,
 * bad launch, missing PKCE verifier and expired tokens fail with clear errors; the patient
 * context appears for clinical roles only and every read is audited.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SignJWT } from 'jose';
import type { RunningServer } from '../../../server/app.ts';
import { removeDir, startTestServer, tempDir, TEST_SECRET } from '../../helpers/server.ts';
import { apiToken, call } from '../../helpers/api.ts';
import { browse, startTestEhr, type TestEhr } from './test-ehr.ts';
import { join } from 'node:path';
import { openSqlite } from '../../../db/sqlite/connection.ts';
import { SqliteEhrRepository } from '../../../db/sqlite/ehr/repo.ts';
import { SmartClient } from '../../../server/ehr/smart.ts';
import { EhrError } from '../../../server/ehr/errors.ts';

const test = suite('SMART launch and patient context');
let dir = '';
let server: RunningServer;
let ehr: TestEhr;
let patientId = '';
let encounterId = '';

test.before(async () => {
  dir = tempDir();
  ehr = await startTestEhr();
  const patient = await ehr.create({
    resourceType: 'Patient', name: [{ given: ['Ada'], family: 'Lovelace' }], birthDate: '1970-01-01', gender: 'female',
    address: [{ use: 'home', state: 'MA', country: 'US' }],
  });
  patientId = patient.id;
  const practitioner = await ehr.create({ resourceType: 'Practitioner', name: [{ given: ['Gregory'], family: 'House' }] });
  const encounter = await ehr.create({
    resourceType: 'Encounter', status: 'planned', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' },
    subject: { reference: `Patient/${patientId}` }, period: { start: '2030-01-01T10:00:00Z', end: '2030-01-01T10:30:00Z' },
  });
  encounterId = encounter.id;
  await ehr.create({ resourceType: 'AllergyIntolerance', patient: { reference: `Patient/${patientId}` }, code: { text: 'Penicillin' } });
  await ehr.create({ resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: `Patient/${patientId}` }, medicationCodeableConcept: { text: 'Lisinopril 10 mg' } });
  await ehr.create({
    resourceType: 'Condition', subject: { reference: `Patient/${patientId}` }, code: { text: 'Hypertension' },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  });
  server = await startTestServer(dir, { ROUNDS_DATA_KEY: randomBytes(32).toString('base64'), ROUNDS_SMART_CLIENT_ID: 'rounds-test', ROUNDS_SMART_ISSUERS: ehr.fhirUrl, ROUNDS_SMART_ALLOW_HTTP: 'true' });
  ehr.authorize({ clientId: 'rounds-test', redirectUri: `${server.url}/smart/callback`, practitionerId: practitioner.id, standalone: { patient: patientId, encounter: encounterId } });
});
test.after(async () => { await server.stop(); await ehr.stop(); removeDir(dir); });

/** Runs a launch through the EHR's authorization server and returns Rounds' callback answer. */
async function launch(path: string): Promise<{ status: number; json: any; callbackUrl: string }> {
  const hop = await browse(`${server.url}${path}`, `${server.url}/smart/callback`);
  if (hop.status !== 0) return { status: hop.status, json: hop.body ? JSON.parse(hop.body) : null, callbackUrl: '' };
  const res = await fetch(hop.url);
  return { status: res.status, json: await res.json(), callbackUrl: hop.url };
}

test('EHR launch: PKCE code flow with launch context opens the visit for the encounter, and again the same one', async () => {
  const r = await launch(`/smart/launch?iss=${encodeURIComponent(ehr.fhirUrl)}&launch=${ehr.newLaunch({ patient: patientId, encounter: encounterId })}`);
  assert.is(r.status, 200, JSON.stringify(r.json));
  assert.is(r.json.created, true);
  assert.is(r.json.patient, patientId);
  assert.is(r.json.encounter, encounterId);
  const visit = await call(server.url, 'GET', `/api/visits/${r.json.visitId}`, r.json.token);
  assert.is(visit.status, 200);
  assert.is(visit.json.patients[0].displayName, 'Ada Lovelace');
  assert.is(visit.json.clinicians[0].name, 'Gregory House');
  assert.is(visit.json.patientLocation.state, 'MA');
  assert.is(visit.json.scheduledStart, '2030-01-01T10:00:00.000Z');
  const again = await launch(`/smart/launch?iss=${encodeURIComponent(ehr.fhirUrl)}&launch=${ehr.newLaunch({ patient: patientId, encounter: encounterId })}`);
  assert.is(again.status, 200);
  assert.is(again.json.visitId, r.json.visitId);
  assert.is(again.json.created, false);
  const launches = (await server.audit.list()).filter((e) => e.action === 'smart ehr launch' && e.resource.startsWith(`visit/${r.json.visitId} `));
  assert.equal(launches.map((e) => e.detail), ['visit created', 'visit opened'], 'launches are audited');
});

test('standalone launch: the EHR picks patient and encounter; the same visit opens', async () => {
  const r = await launch(`/smart/standalone?iss=${encodeURIComponent(ehr.fhirUrl)}`);
  assert.is(r.status, 200, JSON.stringify(r.json));
  assert.is(r.json.patient, patientId);
  assert.is(r.json.encounter, encounterId);
  assert.ok(r.json.visitId);
});

test('wrong iss, bad launch, missing launch, unknown state and a missing PKCE verifier fail clearly', async () => {
  const wrong = await call(server.url, 'GET', `/smart/launch?iss=${encodeURIComponent('https://evil.example/fhir')}&launch=x`, null);
  assert.is(wrong.status, 400);
  assert.is(wrong.json.error.code, 'ERR_SMART_ISS_NOT_ALLOWED');
  const noLaunch = await call(server.url, 'GET', `/smart/launch?iss=${encodeURIComponent(ehr.fhirUrl)}`, null);
  assert.is(noLaunch.json.error.code, 'ERR_SMART_BAD_REQUEST');
  const bad = await launch(`/smart/launch?iss=${encodeURIComponent(ehr.fhirUrl)}&launch=not-a-launch`);
  assert.is(bad.status, 400);
  assert.is(bad.json.error.code, 'ERR_SMART_AUTHORIZATION_DENIED');
  assert.match(bad.json.error.message, 'invalid_request');
  const replay = await fetch(`${server.url}/smart/callback?code=abc&state=never-issued`);
  assert.is(replay.status, 400);
  assert.is(((await replay.json()) as any).error.code, 'ERR_SMART_STATE_UNKNOWN');

  // The EHR's authorization server requires PKCE: no code_challenge, no code.
  const noPkce = await browse(`${ehr.issuer}/auth?${new URLSearchParams({ client_id: 'rounds-test', response_type: 'code', redirect_uri: `${server.url}/smart/callback`, scope: 'openid launch', state: 's', launch: ehr.newLaunch({ patient: patientId }) })}`, `${server.url}/smart/callback`);
  const denied = new URL(noPkce.url).searchParams;
  assert.is(denied.get('error'), 'invalid_request');
  assert.match(denied.get('error_description') ?? '', 'PKCE');
  // A code obtained with PKCE cannot be redeemed without the verifier.
  const hop = await browse(`${server.url}/smart/launch?iss=${encodeURIComponent(ehr.fhirUrl)}&launch=${ehr.newLaunch({ patient: patientId, encounter: encounterId })}`, `${server.url}/smart/callback`);
  const code = new URL(hop.url).searchParams.get('code')!;
  const tok = await fetch(`${ehr.issuer}/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: 'rounds-test', redirect_uri: `${server.url}/smart/callback` }),
  });
  assert.is(tok.status, 400);
  assert.is(((await tok.json()) as any).error, 'invalid_grant');
  // Rounds holds the verifier, so its exchange of the same code succeeds; the state is then spent.
  const withVerifier = await fetch(hop.url);
  assert.is(withVerifier.status, 200);
  await withVerifier.body?.cancel();
  const replayed = await fetch(hop.url);
  assert.is(replayed.status, 400);
  assert.is(((await replayed.json()) as any).error.code, 'ERR_SMART_STATE_UNKNOWN');
});

test('patient context for clinical roles only; audited; an expired EHR token is refreshed; a revoked session fails clearly', async () => {
  const r = await launch(`/smart/launch?iss=${encodeURIComponent(ehr.fhirUrl)}&launch=${ehr.newLaunch({ patient: patientId, encounter: encounterId })}`);
  const path = `/api/visits/${r.json.visitId}/patient-context`;
  const ctx = await call(server.url, 'GET', path, r.json.token);
  assert.is(ctx.status, 200, JSON.stringify(ctx.json));
  assert.is(ctx.json.patient.id, patientId);
  assert.equal(ctx.json.allergies.map((a: any) => a.code.text), ['Penicillin']);
  assert.equal(ctx.json.medications.map((m: any) => m.medicationCodeableConcept.text), ['Lisinopril 10 mg']);
  assert.equal(ctx.json.conditions.map((c: any) => c.code.text), ['Hypertension']);
  for (const role of ['patient', 'billing', 'caregiver', 'interpreter']) {
    const no = await call(server.url, 'GET', path, await apiToken('someone', role));
    assert.is(no.status, 403, role);
  }
  const nurse = await call(server.url, 'GET', path, await apiToken('rn-1', 'nurse'));
  assert.is(nurse.status, 200);
  const entries = (await server.audit.list()).filter((e) => e.action === 'read patient-context');
  assert.ok(entries.some((e) => e.actor === 'rn-1' && e.outcome === 'allowed' && e.resource.includes(`Patient/${patientId}`)));
  // Other roles are refused by the RBAC guard before the handler runs; its entry records the denial.
  const refused = (await server.audit.list()).filter((e) => e.action === 'GET /api/visits/:id/patient-context' && e.outcome === 'denied');
  assert.ok(refused.some((e) => e.role === 'billing' && e.resource === `patient-context visit/${r.json.visitId}`));

  const expired = await new SignJWT({ role: 'clinician', doc: 'api', access: 'write' }).setProtectedHeader({ alg: 'HS256' })
    .setSubject('dr-x').setIssuer('rounds').setAudience('rounds').setJti('j1').setIssuedAt(1_700_000_000).setExpirationTime(1_700_000_060)
    .sign(new TextEncoder().encode(TEST_SECRET));
  const exp = await call(server.url, 'GET', path, expired);
  assert.is(exp.status, 401);
  assert.is(exp.json.error.code, 'ERR_TOKEN_EXPIRED');

  // The EHR's tokens are credentials: sealed at rest, never stored as issued.
  const raw = new Database(join(dir, 'rounds.db'), { readonly: true });
  const stored = raw.prepare('SELECT access_token, refresh_token FROM ehr_sessions').all() as { access_token: string; refresh_token: string | null }[];
  raw.close();
  assert.ok(stored.length > 0 && stored.every((r) => r.refresh_token !== null));
  for (const t of ehr.issuedTokens()) assert.not.ok(stored.some((r) => r.access_token.includes(t)), 'access token not stored in the clear');
  await ehr.expireAccessTokens();
  const refreshed = await call(server.url, 'GET', path, r.json.token);
  assert.is(refreshed.status, 200, `refreshed with the refresh token: ${JSON.stringify(refreshed.json)}`);
  await ehr.revokeGrants();
  const gone = await call(server.url, 'GET', path, r.json.token);
  assert.is(gone.status, 401);
  assert.is(gone.json.error.code, 'ERR_SMART_SESSION_EXPIRED');
});

test('a launch state expires after the launch TTL and is good for one callback only', async () => {
  const h = openSqlite(join(dir, 'smart-state.db'));
  try {
    const repo = new SqliteEhrRepository(h);
    const client = new SmartClient(
      { clientId: 'c', issuers: [ehr.fhirUrl], scope: 'launch openid', standaloneScope: 'launch/patient openid', redirectUri: null, launchTtlMs: 60_000, sessionTokenTtlS: 60, allowHttp: true },
      repo, () => 'http://127.0.0.1:1/smart/callback');
    const url = new URL(await client.begin('ehr', ehr.fhirUrl, 'l-1', 1_000_000));
    assert.is(url.searchParams.get('code_challenge_method'), 'S256');
    assert.is(url.searchParams.get('aud'), ehr.fhirUrl);
    assert.is(url.searchParams.get('launch'), 'l-1');
    assert.is(url.searchParams.get('scope'), 'launch openid', 'scopes as configured');
    assert.ok(url.searchParams.get('code_challenge'));
    const state = url.searchParams.get('state')!;
    const codeOf = async (p: Promise<unknown>) => { try { await p; return 'none'; } catch (e) { return e instanceof EhrError ? e.code : 'other'; } };
    assert.is(await codeOf(client.complete(new URLSearchParams({ state, code: 'x' }), 1_000_000 + 60_001)), 'ERR_SMART_STATE_EXPIRED');
    assert.is(await codeOf(client.complete(new URLSearchParams({ state, code: 'x' }), 1_000_000)), 'ERR_SMART_STATE_UNKNOWN');
  } finally {
    h.close();
  }
});

test.run();
