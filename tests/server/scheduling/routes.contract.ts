/**
 * FHIR scheduling end to end: metadata, schedules and free slots, atomic booking, cancel,
 * reschedule, check-in, appointment search. The same cases run on SQLite (routes.test.ts) and
 * Postgres (routes-pg.test.ts).
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

  async function fhir(method: string, path: string, bearer: string | null, body?: unknown, extra: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
    const res = await fetch(server.url + path, {
      method,
      headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}), ...extra },
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
    const appointment = r.json.rest[0].resource[2];
    assert.equal(appointment.searchParam.map((p: { name: string; type: string }) => `${p.name}:${p.type}`),
      ['patient:reference', 'practitioner:reference', 'actor:reference', 'date:date', 'status:token', 'slot:reference'], 'exactly the parameters GET /fhir/Appointment supports');
    assert.ok(appointment.interaction.some((i: { code: string }) => i.code === 'search-type'));
    const params = (i: number) => r.json.rest[0].resource[i].searchParam.map((p: { name: string; type: string }) => `${p.name}:${p.type}`);
    assert.equal(params(0), ['actor:reference', 'active:token'], 'exactly the parameters GET /fhir/Schedule supports');
    assert.equal(params(1), ['schedule:reference', 'start:date', 'status:token'], 'exactly the parameters GET /fhir/Slot supports');
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

  test('Slot and Schedule search: an instant finds its slot, active filters schedules, unsupported parameters ignored (named) or refused (strict)', async () => {
    const at = await fhir('GET', `/fhir/Slot?schedule=${scheduleId}&start=2031-03-01T10:00:00Z`, patient);
    assert.equal(at.json.entry.map((e: any) => e.resource.start), ['2031-03-01T10:00:00Z'], 'start=<instant> is that second');
    const eqAt = await fhir('GET', `/fhir/Slot?schedule=${scheduleId}&start=eq2031-03-01T05:00:00-05:00`, patient);
    assert.equal(eqAt.json.entry.map((e: any) => e.resource.start), ['2031-03-01T10:00:00Z'], 'eq with an offset');
    const lenient = await fhir('GET', `/fhir/Slot?schedule=${scheduleId}&start=2031-03-01&_sort=start`, patient);
    assert.is(lenient.status, 200);
    assert.equal(lenient.json.entry.filter((e: any) => e.search.mode === 'match').length, 2);
    const outcome = lenient.json.entry.find((e: any) => e.search.mode === 'outcome');
    assert.match(outcome.resource.issue[0].details.text, /_sort/);
    assert.not.match(lenient.json.link[0].url, /_sort/, 'the self link leaves out what was ignored');
    assertValid(lenient.json, 'Slot searchset with an outcome entry');
    const strict = await fhir('GET', `/fhir/Slot?schedule=${scheduleId}&_sort=start`, patient, undefined, { prefer: 'handling=strict' });
    assert.is(strict.status, 400);
    assert.is(strict.json.issue[0].details.coding[0].code, 'ERR_SCHED_UNSUPPORTED_PARAM');
    assert.is((await fhir('GET', `/fhir/Slot?schedule=${scheduleId}&status=maybe`, patient)).status, 400);

    const inactive = await fhir('POST', '/fhir/Schedule', dr, { resourceType: 'Schedule', active: false, actor: [{ reference: 'Practitioner/dr-chen' }] });
    assert.is(inactive.status, 201);
    const ids = async (qs: string) => (await fhir('GET', `/fhir/Schedule?${qs}`, dr)).json.entry.filter((e: any) => e.search.mode === 'match').map((e: any) => e.resource.id);
    const active = await ids('actor=Practitioner/dr-chen&active=true');
    assert.ok(active.includes(scheduleId) && !active.includes(inactive.json.id), 'active=true: only active schedules');
    assert.equal(await ids('actor=Practitioner/dr-chen&active=false'), [inactive.json.id]);
    assert.is((await fhir('GET', '/fhir/Schedule?active=maybe', dr)).status, 400);
    const sched = await fhir('GET', '/fhir/Schedule?actor=Practitioner/dr-chen&specialty=x', dr, undefined, { prefer: 'handling=strict' });
    assert.is(sched.status, 400);
    assert.is(sched.json.issue[0].details.coding[0].code, 'ERR_SCHED_UNSUPPORTED_PARAM');
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

  test('Appointment search: by patient, practitioner/actor, date prefixes, status, slot; paged; a valid searchset', async () => {
    const wu = await apiToken('dr-wu', 'clinician');
    const wuSchedule = (await fhir('POST', '/fhir/Schedule', wu, { resourceType: 'Schedule', actor: [{ reference: 'Practitioner/dr-wu' }] })).json.id as string;
    const wuSlot = async (start: string) => {
      const end = new Date(Date.parse(start) + 30 * 60_000).toISOString();
      return (await fhir('POST', '/fhir/Slot', wu, { resourceType: 'Slot', schedule: { reference: `Schedule/${wuSchedule}` }, start, end })).json.id as string;
    };
    const book = async (slotId: string, pid: string) => (await fhir('POST', '/fhir/Appointment', dr, booking(slotId, pid))).json.id as string;
    const a1 = await book(await slot('2032-01-01T09:00:00Z'), 'pat-1');
    const a2 = await book(await slot('2032-01-01T10:00:00Z'), 'pat-9');
    const a3 = await book(await wuSlot('2032-01-01T11:00:00Z'), 'pat-1');
    const a4Slot = await slot('2032-01-02T09:00:00Z');
    const a4 = await book(a4Slot, 'pat-1');
    const cancelled = await fhir('GET', `/fhir/Appointment/${a4}`, dr);
    assert.is((await fhir('PUT', `/fhir/Appointment/${a4}`, dr, { ...cancelled.json, status: 'cancelled' })).status, 200);

    const search = async (qs: string, who = dr) => {
      const r = await fhir('GET', `/fhir/Appointment?${qs}`, who);
      assert.is(r.status, 200, `${qs}: ${JSON.stringify(r.json)}`);
      assert.match(r.headers.get('content-type') ?? '', /application\/fhir\+json/);
      assert.is(r.json.type, 'searchset');
      assertValid(r.json, `searchset for ${qs}`);
      return r.json;
    };
    const ids = async (qs: string, who = dr) => (await search(qs, who)).entry.filter((e: any) => e.search.mode === 'match').map((e: any) => e.resource.id);

    const byPatient = await search('patient=Patient/pat-1&date=ge2032-01-01');
    assert.equal(byPatient.entry.map((e: any) => e.resource.id), [a1, a3, a4], 'by start');
    assert.is(byPatient.total, 3);
    assert.equal(byPatient.link, [{ relation: 'self', url: `${server.url}/fhir/Appointment?patient=Patient%2Fpat-1&date=ge2032-01-01` }]);
    assert.is(byPatient.entry[0].fullUrl, `${server.url}/fhir/Appointment/${a1}`);
    assert.ok(byPatient.entry.every((e: any) => e.resource.participant.some((p: any) => p.actor.reference === 'Patient/pat-1')));
    assert.equal(await ids('patient=pat-1&date=ge2032-01-01'), [a1, a3, a4], 'a bare id');
    assert.equal(await ids('practitioner=dr-wu&date=ge2032-01-01'), [a3]);
    assert.equal(await ids('actor=Practitioner/dr-chen&date=2032-01-01'), [a1, a2]);
    assert.equal(await ids('actor=Patient/pat-1&practitioner=Practitioner/dr-chen&date=ge2032-01-01'), [a1, a4], 'parameters AND');
    // FHIR date prefixes against Appointment.start.
    assert.equal(await ids('date=2032-01-01'), [a1, a2, a3]);
    assert.equal(await ids('date=ge2032-01-01&date=lt2032-01-02'), [a1, a2, a3]);
    assert.equal(await ids('date=gt2032-01-01&date=lt2032-02'), [a4]);
    assert.equal(await ids('date=le2032-01-01&date=ge2032-01-01T10:00:00Z'), [a2, a3]);
    assert.equal(await ids('date=lt2032-01-01T10:00:00Z&date=ge2032'), [a1]);
    assert.equal(await ids('date=eq2032-01-01T10:00:00Z'), [a2]);
    assert.equal(await ids('date=2032-01-01T05:00:00-05:00'), [a2], 'time zones');
    assert.equal(await ids('status=cancelled&date=ge2032-01-01'), [a4]);
    assert.equal(await ids('status=booked,cancelled&patient=pat-1&date=ge2032-01-01'), [a1, a3, a4]);
    assert.equal(await ids(`slot=Slot/${a4Slot}`), [a4]);

    // Paging: _count with a next link that a client follows as given.
    const first = await search('date=2032-01-01&_count=2');
    assert.equal([first.entry.length, first.total], [2, 3]);
    const next = first.link.find((l: any) => l.relation === 'next').url as string;
    assert.is(next, `${server.url}/fhir/Appointment?date=2032-01-01&_count=2&_offset=2`);
    const second = await search(next.slice(next.indexOf('?') + 1));
    assert.equal(second.entry.map((e: any) => e.resource.id), [a3]);
    assert.not.ok(second.link.some((l: any) => l.relation === 'next'), 'the last page has no next link');
    const capped = await search('date=2032-01-01&_count=5000');
    assert.is(capped.link[0].url, `${server.url}/fhir/Appointment?date=2032-01-01&_count=100`, 'lowered to the maximum');
    const countOnly = await search('date=2032-01-01&_count=0');
    assert.equal([countOnly.entry.length, countOnly.total], [0, 3]);
  });

  test('Appointment search: unsupported parameters ignored and named (lenient) or refused (Prefer: handling=strict); bad values 400', async () => {
    const lenient = await fhir('GET', '/fhir/Appointment?patient=pat-1&date=2032-01-01&_sort=-date&location=Location/x', dr);
    assert.is(lenient.status, 200);
    assertValid(lenient.json, 'searchset with an outcome entry');
    assert.is(lenient.json.link[0].url, `${server.url}/fhir/Appointment?patient=pat-1&date=2032-01-01`, 'the self link holds only what was used');
    const outcome = lenient.json.entry.filter((e: any) => e.search.mode === 'outcome');
    assert.is(outcome.length, 1);
    assert.is(outcome[0].resource.resourceType, 'OperationOutcome');
    assert.equal([outcome[0].resource.issue[0].severity, outcome[0].resource.issue[0].code], ['warning', 'not-supported']);
    assert.match(outcome[0].resource.issue[0].details.text, /_sort, location/);
    assert.is(lenient.json.total, 2, 'total counts matches only');
    const asked = await fhir('GET', '/fhir/Appointment?patient=pat-1&_sort=-date', dr, undefined, { prefer: 'handling=lenient' });
    assert.is(asked.status, 200);

    const strict = await fhir('GET', '/fhir/Appointment?patient=pat-1&_sort=-date', dr, undefined, { prefer: 'handling=strict' });
    assert.is(strict.status, 400);
    assert.equal([strict.json.resourceType, strict.json.issue[0].code, strict.json.issue[0].details.coding[0].code], ['OperationOutcome', 'not-supported', 'ERR_SCHED_UNSUPPORTED_PARAM']);
    assertValid(strict.json, 'strict refusal');
    assert.is((await fhir('GET', '/fhir/Appointment?patient=pat-1&date=ge2032-01-01', dr, undefined, { prefer: 'handling=strict' })).status, 200, 'supported parameters pass strict handling');

    for (const qs of ['date=ne2032-01-01', 'date=2032-01-01T09:00', 'patient=Practitioner/dr-chen', 'status=free', '_count=-1', 'actor=pat-1']) {
      const r = await fhir('GET', `/fhir/Appointment?${qs}`, dr);
      assert.equal([r.status, r.json.issue?.[0]?.details?.coding?.[0]?.code], [400, 'ERR_SCHED_INVALID'], qs);
    }
  });

  test('Appointment search: a patient finds only their own; clinical staff anyone\'s; admin and other roles are refused; audited', async () => {
    const earlier = (await server.audit.list()).length;
    const mine = await fhir('GET', '/fhir/Appointment?date=ge2032-01-01', patient);
    assert.is(mine.status, 200);
    assert.ok(mine.json.total >= 3);
    assert.ok(mine.json.entry.every((e: any) => e.resource.participant[0].actor.reference === 'Patient/pat-1'), 'only pat-1\'s appointments');
    const all = await fhir('GET', '/fhir/Appointment', patient);
    assert.ok(all.json.entry.every((e: any) => e.resource.participant[0].actor.reference === 'Patient/pat-1'), 'without filters too');
    const other = await fhir('GET', '/fhir/Appointment?patient=Patient/pat-9', patient);
    assert.equal([other.status, other.json.total, other.json.entry], [200, 0, []], 'another patient\'s: an empty Bundle, nothing disclosed');
    const otherByActor = await fhir('GET', '/fhir/Appointment?actor=Patient/pat-9&date=2032-01-01', patient);
    assert.is(otherByActor.json.total, 0);
    assert.is((await fhir('GET', '/fhir/Appointment?patient=Patient/pat-9', dr)).json.total, 1, 'the appointment exists');
    for (const [sub, role] of [['nurse-1', 'nurse'], ['scribe-1', 'scribe']]) {
      const r = await fhir('GET', '/fhir/Appointment?patient=Patient/pat-9', await apiToken(sub!, role!));
      assert.equal([r.status, r.json.total], [200, 1], role);
    }
    for (const [sub, role] of [['ops-1', 'admin'], ['cg-1', 'caregiver'], ['int-1', 'interpreter'], ['bill-1', 'billing'], ['obs-1', 'observer']]) {
      const r = await fhir('GET', '/fhir/Appointment?patient=Patient/pat-9', await apiToken(sub!, role!));
      assert.equal([r.status, r.json.resourceType, r.json.issue[0].details.coding[0].code], [403, 'OperationOutcome', 'ERR_FORBIDDEN'], role);
    }
    assert.is((await fhir('GET', '/fhir/Appointment', null)).status, 401);

    const trail = (await server.audit.list()).slice(earlier);
    const searches = trail.filter((e) => e.action === 'GET /fhir/Appointment');
    assert.ok(searches.some((e) => e.actor === 'pat-1' && e.outcome === 'allowed' && e.resource === 'appointment'), 'the search itself');
    assert.ok(searches.some((e) => e.actor === 'ops-1' && e.outcome === 'denied'), 'the refusal');
    const pat9 = (await fhir('GET', '/fhir/Appointment?patient=Patient/pat-9', dr)).json.entry[0].resource.id as string;
    const disclosed = (await server.audit.list()).slice(earlier).filter((e) => e.resource === `appointment/${pat9}` && e.action === 'search appointment').map((e) => e.actor);
    assert.equal(disclosed, ['dr-chen', 'nurse-1', 'scribe-1', 'dr-chen'], 'each appointment a search returned, by whom; never to pat-1 or a refused role');
    assert.not.match(JSON.stringify(trail), /Pat One/, 'no names in the audit log');
  });

  test.run();
}
