/**
 * Write-back through the outbox to an EHR FHIR server (FhirRouter + MemoryRepository over
 * node:http): exactly one Encounter and one DocumentReference however often a delivery is sent,
 * retried after a lost response, or retried by an operator; an outage is retried with backoff and
 * then succeeds; a delivery that keeps failing is parked, visible, and requeued by an operator.
 */
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../../../server/app.ts';
import { removeDir, startTestServer, tempDir } from '../../helpers/server.ts';
import { apiToken, call, visitBody } from '../../helpers/api.ts';
import { validateFhir } from '../../../server/fhir/validate.ts';
import { startTestEhr, type TestEhr } from './test-ehr.ts';
import type { Backend, BackendFactory } from '../../helpers/backend.ts';

/** A visit that ran and closed with a note and billing; returns its id and the outbox entry's id. */
export async function closeVisitWithRecords(server: RunningServer, dr: string): Promise<{ id: string; outboxId: number }> {
  const v = (await call(server.url, 'POST', '/api/visits', dr, visitBody())).json;
  await call(server.url, 'POST', `/api/visits/${v.id}/commands`, await apiToken('pat-1', 'patient'), { type: 'checkIn', participantId: 'pat-1', displayName: 'Pat' });
  await call(server.url, 'POST', `/api/visits/${v.id}/commands`, dr, { type: 'admit', participantId: 'pat-1' });
  await call(server.url, 'POST', `/api/visits/${v.id}/commands`, dr, { type: 'join', participantId: 'dr-chen', displayName: 'Dr Chen' });
  await server.hub.change(`visit/${v.id}/note`, (doc) => doc.getText('assessment').insert(0, 'Acute bronchitis.'));
  const billing = { patientStatus: 'established', totalMinutes: 25, payer: 'medicare-2026', clinician: { licensedStates: ['MA'] }, consents: { telehealth: { date: new Date().toISOString().slice(0, 10), state: 'MA' } } };
  const closed = await call(server.url, 'POST', `/api/visits/${v.id}/close`, dr, { billing });
  assert.is(closed.status, 200, JSON.stringify(closed.json));
  const rec = await call(server.url, 'GET', `/api/visits/${v.id}/records`, dr);
  return { id: v.id, outboxId: rec.json.delivery[0].id };
}

/** The same cases on SQLite (writeback.test.ts) and Postgres (writeback-pg.test.ts): with DATABASE_URL, visit close writes the Postgres outbox and the worker reads it. */
export function writebackContract(factory: BackendFactory): void {
  const test = suite(`EHR write-back (${factory.name})`);
  const EHR_TOKEN = 'writeback-credential-for-tests';
  let dir = '';
  let backend: Backend;
  let server: RunningServer;
  let ehr: TestEhr;
  let dr = '';
  let admin = '';

  test.before(async () => {
    dir = tempDir();
    ehr = await startTestEhr({ staticToken: EHR_TOKEN });
    backend = await factory.open();
    server = await startTestServer(dir, {
      ...backend.env,
      ROUNDS_EHR_FHIR_URL: ehr.fhirUrl, ROUNDS_EHR_BEARER_TOKEN: EHR_TOKEN, ROUNDS_WRITEBACK_CHARGES: 'true',
      // Outbox payloads sealed at rest: the worker opens them with the same codec.
      ROUNDS_DATA_KEY: randomBytes(32).toString('base64'),
      ROUNDS_WRITEBACK_INTERVAL_MS: '20', ROUNDS_WRITEBACK_BACKOFF_MS: '20', ROUNDS_WRITEBACK_BACKOFF_MAX_MS: '100', ROUNDS_WRITEBACK_MAX_ATTEMPTS: '4',
    });
    dr = await apiToken('dr-chen', 'clinician');
    admin = await apiToken('ops-1', 'admin');
  });
  test.after(async () => { await server.stop(); await ehr.stop(); await backend.drop(); removeDir(dir); });

  const closedVisit = () => closeVisitWithRecords(server, dr);

  async function delivery(visitId: string): Promise<{ status: string; attempts: number; lastError: string | null }> {
    const r = await call(server.url, 'GET', `/api/outbox?visit=${visitId}`, admin);
    return r.json.entries[0];
  }

  /** Polls the delivery status (as an operator would) until it satisfies `ok`. */
  async function until(visitId: string, ok: (d: { status: string }) => boolean, what: string): Promise<{ status: string; attempts: number; lastError: string | null }> {
    let d = await delivery(visitId);
    const deadline = Date.now() + 20_000;
    while (!ok(d)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (status ${d.status})`);
      await new Promise((r) => setTimeout(r, 10));
      d = await delivery(visitId);
    }
    return d;
  }

  async function delivered(visitId: string, what: string): Promise<void> {
    const d = await until(visitId, (x) => x.status === 'delivered' || x.status === 'parked', what);
    assert.is(d.status, 'delivered', what);
  }

  /** How many resources of `type` the EHR holds for this visit's business identifier. */
  async function onEhr(type: string, visitId: string): Promise<number> {
    const all = await ehr.search(type, { _count: '1000' });
    return all.filter((r) => JSON.stringify((r as { identifier?: unknown }).identifier ?? []).includes(visitId)).length;
  }

  test('an EHR outage is retried with backoff and then succeeds; exactly one of each resource; they validate', async () => {
    ehr.faults.failNext = 2;
    const { id } = await closedVisit();
    await delivered(id, 'delivered after the outage');
    const d = await delivery(id);
    assert.is(d.attempts, 3, 'two failed attempts, then success');
    assert.is(await onEhr('Encounter', id), 1);
    assert.is(await onEhr('DocumentReference', id), 1);
    assert.ok((await onEhr('ChargeItem', id)) >= 1, 'charges sent when configured');
    const [doc] = (await ehr.search('DocumentReference', { _count: '1000' })).filter((r) => JSON.stringify(r).includes(id));
    const enc = (await ehr.search('Encounter', { _count: '1000' })).find((r) => JSON.stringify(r).includes(id))!;
    assert.is((doc as any).context.encounter[0].reference, `Encounter/${enc.id}`, 'urn:uuid reference rewritten to the EHR id');
    const rec = await call(server.url, 'GET', `/api/visits/${id}/records`, dr);
    assert.is(rec.json.delivery[0].status, 'delivered', 'visible delivery status on the visit records');
    for (const r of rec.json.bundles[0].bundle.entry.map((e: any) => e.resource)) {
      assert.equal(validateFhir(r).filter((i) => i.severity === 'error'), [], `${r.resourceType} validates`);
    }
    // What the EHR holds after the references were rewritten validates too.
    for (const type of ['Encounter', 'DocumentReference', 'ChargeItem']) {
      for (const r of (await ehr.search(type, { _count: '1000' })).filter((x) => JSON.stringify(x).includes(id))) {
        assert.equal(validateFhir(r).filter((i) => i.severity === 'error'), [], `${type} as written to the EHR validates`);
      }
    }
  });

  test('a retry after a lost response does not duplicate; delivering the same entry twice leaves one of each', async () => {
    ehr.faults.dropNextCreate = true;
    const { id, outboxId } = await closedVisit();
    await delivered(id, 'delivered after the lost response');
    assert.ok((await delivery(id)).attempts >= 2, 'the lost response forced a retry');
    assert.is(await onEhr('Encounter', id), 1);
    assert.is(await onEhr('DocumentReference', id), 1);
    const charges = await onEhr('ChargeItem', id);

    const again = await call(server.url, 'POST', `/api/outbox/${outboxId}/retry`, admin);
    assert.is(again.status, 202);
    await delivered(id, 'delivered a second time');
    assert.is(await onEhr('Encounter', id), 1);
    assert.is(await onEhr('DocumentReference', id), 1);
    assert.is(await onEhr('ChargeItem', id), charges);
  });

  test('a delivery that keeps failing is parked; only an operator may requeue it; then it is delivered', async () => {
    ehr.faults.failNext = 1000;
    const { id, outboxId } = await closedVisit();
    const d = await until(id, (x) => x.status === 'parked', 'parked');
    assert.is(d.status, 'parked');
    assert.is(d.attempts, 4);
    assert.match(d.lastError ?? '', 'ERR_EHR_UNAVAILABLE');
    const parked = await call(server.url, 'GET', '/api/outbox?status=parked', admin);
    assert.ok(parked.json.entries.some((e: any) => e.id === outboxId));
    assert.is((await call(server.url, 'POST', `/api/outbox/${outboxId}/retry`, dr)).status, 403);
    assert.is((await call(server.url, 'GET', '/api/outbox', dr)).status, 403);
    ehr.faults.failNext = 0;
    assert.is((await call(server.url, 'POST', `/api/outbox/${outboxId}/retry`, admin)).status, 202);
    await delivered(id, 'delivered after the operator retry');
    assert.is(await onEhr('Encounter', id), 1);
    assert.is(await onEhr('DocumentReference', id), 1);
    assert.is((await call(server.url, 'POST', '/api/outbox/999999/retry', admin)).json.error.code, 'ERR_OUTBOX_NOT_FOUND');
  });

  test.run();
}
