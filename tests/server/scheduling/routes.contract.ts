/**
 * FHIR scheduling end to end: metadata, schedules and free slots, atomic booking, cancel,
 * reschedule, check-in. The same cases run on SQLite (routes.test.ts) and Postgres (routes-pg.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Resource } from '@medplum/fhirtypes';
import type { RunningServer } from '../../../server/app.ts';
import { removeDir, startTestServer, tempDir } from '../../helpers/server.ts';
import { apiToken } from '../../helpers/api.ts';
import { validateFhir } from '../../../server/fhir/validate.ts';
import type { Backend, BackendFactory } from '../../helpers/backend.ts';

export function schedulingRoutesContract(factory: BackendFactory): void {
  const test = suite(`FHIR scheduling (${factory.name})`);
  let dir = '';
  let backend: Backend;
  let server: RunningServer;
  let dr = '';
  let patient = '';
  let scheduleId = '';

  async function fhir(method: string, path: string, bearer: string | null, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
    const res = await fetch(server.url + path, {
      method,
      headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
  }

  function assertValid(r: Resource, what: string): void {
    const errors = validateFhir(r).filter((i) => i.severity === 'error');
    assert.equal(errors, [], `${what} validates against R4`);
  }

  async function slot(start: string, minutes = 30): Promise<string> {
    const end = new Date(Date.parse(start) + minutes * 60_000).toISOString();
    const r = await fhir('POST', '/fhir/Slot', dr, { resourceType: 'Slot', schedule: { reference: `Schedule/${scheduleId}` }, status: 'free', start, end });
    assert.is(r.status, 201);
    assertValid(r.json, 'created Slot');
    return r.json.id as string;
  }

  const booking = (slotId: string, pid = 'pat-1') => ({
    resourceType: 'Appointment', status: 'booked', slot: [{ reference: `Slot/${slotId}` }],
    participant: [{ actor: { reference: `Patient/${pid}`, display: 'Pat One' }, status: 'accepted' }],
  });

  test.before(async () => {
    dir = tempDir();
    backend = await factory.open();
    server = await startTestServer(dir, { ...backend.env, ROUNDS_DATA_KEY: randomBytes(32).toString('base64') });
    dr = await apiToken('dr-chen', 'clinician');
    patient = await apiToken('pat-1', 'patient');
  });
  test.after(async () => { await server.stop(); await backend.drop(); removeDir(dir); });

  test('metadata is a valid CapabilityStatement listing Schedule, Slot and Appointment', async () => {
    const r = await fhir('GET', '/fhir/metadata', null);
    assert.is(r.status, 200);
    assert.is(r.json.resourceType, 'CapabilityStatement');
    assert.equal(r.json.rest[0].resource.map((x: { type: string }) => x.type), ['Schedule', 'Slot', 'Appointment']);
    assertValid(r.json, 'CapabilityStatement');
  });

  test('schedules and slots: created by clinicians only, searched by schedule and date', async () => {
    const bad = await fhir('POST', '/fhir/Schedule', patient, { resourceType: 'Schedule', actor: [{ reference: 'Practitioner/dr-chen' }] });
    assert.is(bad.status, 403);
    assert.is(bad.json.resourceType, 'OperationOutcome');
    const s = await fhir('POST', '/fhir/Schedule', dr, { resourceType: 'Schedule', actor: [{ reference: 'Practitioner/dr-chen', display: 'Dr Chen' }] });
    assert.is(s.status, 201);
    assertValid(s.json, 'Schedule');
    scheduleId = s.json.id;
    const invalid = await fhir('POST', '/fhir/Slot', dr, { resourceType: 'Slot', schedule: { reference: `Schedule/${scheduleId}` }, start: '2031-03-01T10:00:00Z', end: '2031-03-01T09:00:00Z' });
    assert.is(invalid.status, 400);
    assert.is(invalid.json.issue[0].details.coding[0].code, 'ERR_SCHED_INVALID');
    await slot('2031-03-01T09:00:00Z');
    await slot('2031-03-01T10:00:00Z');
    await slot('2031-03-02T09:00:00Z');
    const day = await fhir('GET', `/fhir/Slot?schedule=Schedule/${scheduleId}&start=2031-03-01&status=free`, patient);
    assert.is(day.status, 200);
    assert.is(day.json.type, 'searchset');
    assert.equal(day.json.entry.map((e: any) => e.resource.start), ['2031-03-01T09:00:00Z', '2031-03-01T10:00:00Z']);
    assertValid(day.json, 'searchset Bundle');
    const range = await fhir('GET', `/fhir/Slot?schedule=${scheduleId}&start=ge2031-03-01T10:00:00Z&start=lt2031-03-03`, patient);
    assert.is(range.json.total, 2);
    const none = await fhir('GET', `/fhir/Slot?schedule=${scheduleId}&start=2031-03-01`, null);
    assert.is(none.status, 401);
  });

  test('50 concurrent bookings of one slot: exactly one 201, the others 409 with an OperationOutcome', async () => {
    const id = await slot('2031-04-01T09:00:00Z');
    const results = await Promise.all(Array.from({ length: 50 }, () => fhir('POST', '/fhir/Appointment', dr, booking(id))));
    const statuses = results.map((r) => r.status);
    assert.is(statuses.filter((s) => s === 201).length, 1);
    assert.is(statuses.filter((s) => s === 409).length, 49);
    const conflict = results.find((r) => r.status === 409)!;
    assert.is(conflict.json.resourceType, 'OperationOutcome');
    assert.is(conflict.json.issue[0].code, 'conflict');
    assert.is(conflict.json.issue[0].details.coding[0].code, 'ERR_SCHED_SLOT_TAKEN');
    assertValid(conflict.json, 'conflict OperationOutcome');
    const s = await fhir('GET', `/fhir/Slot/${id}`, dr);
    assert.is(s.json.status, 'busy');
  });

  test('booking carries the telehealth link and service type; cancel frees the slot; reschedule moves it', async () => {
    const a1 = await slot('2031-05-01T09:00:00Z');
    const a2 = await slot('2031-05-01T10:00:00Z');
    const other = await fhir('POST', '/fhir/Appointment', patient, booking(a1, 'pat-2'));
    assert.is(other.status, 403, 'a patient books only for themselves');
    const b = await fhir('POST', '/fhir/Appointment', patient, booking(a1));
    assert.is(b.status, 201);
    const appt = b.json;
    assertValid(appt, 'Appointment');
    assert.is(appt.status, 'booked');
    assert.is(appt.start, '2031-05-01T09:00:00Z');
    assert.is(appt.serviceType[0].text, 'Telehealth');
    const link = appt.extension.find((e: any) => e.url.endsWith('/StructureDefinition/telehealth-link'));
    assert.ok(link.valueUrl.endsWith(`/join/appointment/${appt.id}`));
    assert.ok(appt.participant.some((p: any) => p.actor.reference === 'Practitioner/dr-chen'));
    assert.is((await fhir('GET', `/fhir/Slot/${a1}`, dr)).json.status, 'busy');

    const moved = await fhir('PUT', `/fhir/Appointment/${appt.id}`, patient, { ...appt, slot: [{ reference: `Slot/${a2}` }] });
    assert.is(moved.status, 200);
    assertValid(moved.json, 'rescheduled Appointment');
    assert.is(moved.json.start, '2031-05-01T10:00:00Z');
    assert.is((await fhir('GET', `/fhir/Slot/${a1}`, dr)).json.status, 'free');
    assert.is((await fhir('GET', `/fhir/Slot/${a2}`, dr)).json.status, 'busy');

    const cancelled = await fhir('PUT', `/fhir/Appointment/${appt.id}`, patient, { ...moved.json, status: 'cancelled', cancelationReason: { text: 'patient request' } });
    assert.is(cancelled.status, 200);
    assert.is(cancelled.json.status, 'cancelled');
    assertValid(cancelled.json, 'cancelled Appointment');
    assert.is((await fhir('GET', `/fhir/Slot/${a2}`, dr)).json.status, 'free');
    const again = await fhir('PUT', `/fhir/Appointment/${appt.id}`, patient, { ...cancelled.json });
    assert.is(again.status, 409, 'a cancelled appointment stays cancelled');
    // The freed slot can be booked again.
    assert.is((await fhir('POST', '/fhir/Appointment', dr, booking(a2, 'pat-3'))).status, 201);
  });

  test('checking in to a booked appointment creates the Rounds visit with the patient waiting', async () => {
    const id = await slot('2031-06-01T09:00:00Z');
    const appt = (await fhir('POST', '/fhir/Appointment', patient, booking(id))).json;
    const missing = await fhir('POST', `/api/appointments/${appt.id}/check-in`, patient, {});
    assert.is(missing.status, 400);
    const badState = await fhir('POST', `/api/appointments/${appt.id}/check-in`, patient, { patientLocation: { state: 'ZZ', setting: 'home' } });
    assert.is(badState.status, 400);
    assert.is(badState.json.issue[0].details.coding[0].code, 'ERR_INVALID_VISIT');
    assert.is((await fhir('GET', `/fhir/Appointment/${appt.id}`, patient)).json.status, 'booked', 'a failed check-in leaves the appointment booked');
    const r = await fhir('POST', `/api/appointments/${appt.id}/check-in`, patient, { patientLocation: { state: 'MA', setting: 'home' } });
    assert.is(r.status, 200);
    assert.ok(r.json.visitId);
    assert.is(r.json.visitStatus, 'waiting');
    assert.is(r.json.appointment.status, 'arrived');
    assertValid(r.json.appointment, 'arrived Appointment');
    const visit = await fhir('GET', `/api/visits/${r.json.visitId}`, dr);
    assert.is(visit.status, 200);
    assert.is(visit.json.patients[0].id, 'pat-1');
    assert.is(visit.json.clinicians[0].id, 'dr-chen');
    assert.is(visit.json.scheduledStart, '2031-06-01T09:00:00.000Z');
    const twice = await fhir('POST', `/api/appointments/${appt.id}/check-in`, patient, { patientLocation: { state: 'MA', setting: 'home' } });
    assert.is(twice.status, 409);
    const rows = await backend.rows(dir, 'SELECT data FROM sched_appointments') as { data: string }[];
    assert.ok(rows.length > 0 && rows.every((r) => !r.data.includes('pat-1')), 'appointments are sealed at rest');
    const trail = (await server.audit.list()).filter((e) => e.resource === `appointment/${appt.id}`).map((e) => `${e.actor} ${e.action}`);
    assert.equal(trail, ['pat-1 book appointment', 'pat-1 read appointment', 'pat-1 check in appointment'], 'appointment access is audited');
  });

  test('check-in: the patient themself or clinical staff; admin is refused (403 ERR_FORBIDDEN) and changes nothing', async () => {
    const where = { patientLocation: { state: 'MA', setting: 'home' } };
    const a1 = (await fhir('POST', '/fhir/Appointment', dr, booking(await slot('2031-07-01T09:00:00Z'), 'pat-7'))).json;
    const a2 = (await fhir('POST', '/fhir/Appointment', dr, booking(await slot('2031-07-01T10:00:00Z'), 'pat-8'))).json;
    const admin = await apiToken('ops-1', 'admin');
    const refused = await fhir('POST', `/api/appointments/${a1.id}/check-in`, admin, where);
    assert.is(refused.status, 403);
    assert.is(refused.json.error.code, 'ERR_FORBIDDEN');
    assert.is((await fhir('GET', `/fhir/Appointment/${a1.id}`, admin)).status, 403, 'admin does not read the appointment either');
    assert.is((await fhir('GET', `/fhir/Appointment/${a1.id}`, dr)).json.status, 'booked', 'still booked');
    const otherPatient = await fhir('POST', `/api/appointments/${a1.id}/check-in`, patient, where);
    assert.is(otherPatient.status, 404, 'another patient\'s appointment is not revealed');
    assert.is(otherPatient.json.issue[0].details.coding[0].code, 'ERR_SCHED_NOT_FOUND');
    const self = await fhir('POST', `/api/appointments/${a1.id}/check-in`, await apiToken('pat-7', 'patient'), where);
    assert.is(self.status, 200);
    const nurse = await fhir('POST', `/api/appointments/${a2.id}/check-in`, await apiToken('nurse-1', 'nurse'), where);
    assert.is(nurse.status, 200);
    assert.is(nurse.json.visitStatus, 'waiting');
    const trail = (await server.audit.list()).filter((e) => e.resource === `appointment appointment/${a1.id}` && e.action.endsWith('/check-in'));
    assert.equal(trail.map((e) => `${e.actor} ${e.outcome}`), ['ops-1 denied', 'pat-1 failed', 'pat-7 allowed']);
  });

  test.run();
}
