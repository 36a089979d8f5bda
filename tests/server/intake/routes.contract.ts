/**
 * Check-in answers: a patient of the visit submits their own (insurance, intake, consent), stored
 * sealed (no plaintext in the database); the clinical team reads them (audited); billing, other
 * patients and non-clinical roles are refused. The same cases run on SQLite (routes.test.ts)
 * and Postgres (routes-pg.test.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import type { RunningServer } from '../../../server/app.ts';
import { removeDir, startTestServer, tempDir, token } from '../../helpers/server.ts';
import { apiToken, call, visitBody } from '../../helpers/api.ts';
import type { Backend, BackendFactory } from '../../helpers/backend.ts';

export function intakeRoutesContract(factory: BackendFactory): void {
  const test = suite(`intake: check-in answers (${factory.name})`);
  const KEY = { ROUNDS_DATA_KEY: randomBytes(32).toString('base64'), ROUNDS_DATA_KEY_ID: 'test-1' };
  const INSURER = 'Quokka Mutual Health';
  const MEMBER = 'QMH-77231-ZX';
  const REASON = 'Recurring zygomatic ache since the ferry trip';
  let dir = '';
  let backend: Backend;
  let server: RunningServer;

  test.before(async () => { dir = tempDir('rounds-intake-'); backend = await factory.open(); server = await startTestServer(dir, { ...backend.env, ...KEY }); });
  test.after(async () => { await server.stop(); await backend.drop(); removeDir(dir); });

  const answers = { insurance: { insurer: INSURER, memberId: MEMBER }, intake: { reason: REASON }, consent: { telehealth: true, state: 'MA' } };

  test('patient submits their own answers; stored sealed; clinical team reads them, audited', async () => {
    const dr = await apiToken('dr-chen', 'clinician');
    const id = (await call(server.url, 'POST', '/api/visits', dr, visitBody())).json.id as string;
    // The patient's visit link token (room scope) is enough to submit.
    const pat = await token({ doc: `visit/${id}/room`, sub: 'pat-1', role: 'patient', access: 'read' });
    const sent = await call(server.url, 'POST', `/api/visits/${id}/intake`, pat, answers);
    assert.is(sent.status, 201);
    assert.is(sent.json.patientId, 'pat-1');
    assert.equal(sent.json.consent, { state: 'MA', date: sent.json.submittedAt.slice(0, 10) });
    assert.not.ok(JSON.stringify(sent.json).includes(MEMBER));

    // At rest: one row, ids readable, answers sealed.
    const rows = await backend.rows(dir, 'SELECT visit_id, patient_id, data FROM intake_answers') as { visit_id: string; patient_id: string; data: string }[];
    assert.is(rows.length, 1);
    assert.equal([rows[0]!.visit_id, rows[0]!.patient_id], [id, 'pat-1']);
    for (const plain of [INSURER, MEMBER, REASON, 'telehealth', '"MA"']) assert.not.ok(rows[0]!.data.includes(plain), `row holds ${plain}`);

    for (const [sub, role] of [['dr-chen', 'clinician'], ['nurse-1', 'nurse'], ['scribe-1', 'scribe']] as const) {
      const read = await call(server.url, 'GET', `/api/visits/${id}/intake/pat-1`, await apiToken(sub, role));
      assert.is(read.status, 200, role);
      assert.equal(read.json.answers.insurance, { insurer: INSURER, memberId: MEMBER });
      assert.equal(read.json.answers.intake, { reason: REASON });
      assert.is(read.json.answers.consent.state, 'MA');
      assert.is(read.json.answers.consent.telehealth, true);
    }
    const reads = (await server.audit.list()).filter((e) => e.action === 'read intake' && e.resource === `intake/${id}/pat-1`);
    assert.equal(reads.map((e) => [e.actor, e.role, e.outcome]), [['dr-chen', 'clinician', 'allowed'], ['nurse-1', 'nurse', 'allowed'], ['scribe-1', 'scribe', 'allowed']]);
    // The audit trail names ids only, never the answers.
    assert.not.ok((await server.audit.list()).some((e) => JSON.stringify(e).includes(MEMBER)));
  });

  test('only a patient of the visit writes, only the clinical team reads', async () => {
    const dr = await apiToken('dr-chen', 'clinician');
    const id = (await call(server.url, 'POST', '/api/visits', dr, visitBody())).json.id as string;
    const post = async (sub: string, role: string) => call(server.url, 'POST', `/api/visits/${id}/intake`, await apiToken(sub, role), answers);
    const outsider = await post('pat-2', 'patient');
    assert.is(outsider.status, 403);
    assert.is(outsider.json.error.code, 'ERR_FORBIDDEN');
    for (const role of ['clinician', 'nurse', 'billing', 'caregiver', 'interpreter']) assert.is((await post(`${role}-1`, role)).status, 403, role);
    assert.is((await call(server.url, 'GET', `/api/visits/${id}/intake/pat-1`, dr)).status, 404);

    assert.is((await post('pat-1', 'patient')).status, 201);
    for (const [sub, role] of [['billing-1', 'billing'], ['pat-2', 'patient'], ['pat-1', 'patient'], ['int-1', 'interpreter'], ['admin-1', 'admin']] as const) {
      const r = await call(server.url, 'GET', `/api/visits/${id}/intake/pat-1`, await apiToken(sub, role));
      assert.is(r.status, 403, `${role} ${sub}`);
      assert.not.ok(JSON.stringify(r.json).includes(MEMBER));
    }
  });

  test('consent is required and dated by the server; bad input stores nothing', async () => {
    const dr = await apiToken('dr-chen', 'clinician');
    const id = (await call(server.url, 'POST', '/api/visits', dr, visitBody())).json.id as string;
    const pat = await apiToken('pat-1', 'patient');
    for (const body of [{ insurance: { insurer: 'X' } }, { consent: { telehealth: false, state: 'MA' } }, { consent: { telehealth: true, state: 'ZZ' } }, { ...answers, extra: 1 }]) {
      const r = await call(server.url, 'POST', `/api/visits/${id}/intake`, pat, body);
      assert.is(r.status, 400, JSON.stringify(body));
      assert.is(r.json.error.code, 'ERR_INVALID_INTAKE');
    }
    assert.is((await call(server.url, 'GET', `/api/visits/${id}/intake/pat-1`, dr)).status, 404);
  });

  test.run();
}
