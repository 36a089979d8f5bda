/** Scheduling -> FHIR: every resource shape Rounds serves validates against the R4 StructureDefinitions. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Resource } from '@medplum/fhirtypes';
import { capabilityStatement, ignoredParamsOutcome, operationOutcome, searchset, toFhirAppointment, toFhirSchedule, toFhirSlot, telehealthLinkUrl } from '../../../server/scheduling/fhir.ts';
import type { Appointment } from '../../../server/scheduling/model.ts';
import { validateFhir } from '../../../server/fhir/validate.ts';

const test = suite('scheduling FHIR');
const o = { systemBase: 'https://rounds.example.org', publicUrl: 'https://rounds.example.org' };
const appt: Appointment = {
  id: 'appt-1', status: 'booked', slotId: 'slot-1', scheduleId: 'sch-1', start: '2031-01-01T14:00:00Z', end: '2031-01-01T14:30:00Z',
  patient: { id: 'pat-1', display: 'Pat One' }, practitioners: [{ kind: 'Practitioner', id: 'dr-1', display: 'Dr One' }, { kind: 'HealthcareService', id: 'tele' }],
  created: '2030-12-01', description: 'Follow-up',
};

function valid(r: Resource): void {
  assert.equal(validateFhir(r).filter((i) => i.severity === 'error'), [], r.resourceType);
}

test('Schedule, Slot and Appointment in every status validate', () => {
  valid(toFhirSchedule({ id: 'sch-1', actors: appt.practitioners, active: true, comment: 'Tuesdays' }, o));
  valid(toFhirSlot({ id: 'slot-1', scheduleId: 'sch-1', start: appt.start, end: appt.end, status: 'free' }, o));
  valid(toFhirSlot({ id: 'slot-1', scheduleId: 'sch-1', start: appt.start, end: appt.end, status: 'busy' }, o));
  valid(toFhirAppointment(appt, o));
  valid(toFhirAppointment({ ...appt, status: 'cancelled', cancelationReason: 'patient request' }, o));
  valid(toFhirAppointment({ ...appt, status: 'arrived', visitId: 'v-1' }, o));
  // The validator does look at these resources: a status outside the required value set is an error.
  assert.ok(validateFhir({ ...toFhirAppointment(appt, o), status: 'bogus' as 'booked' }).some((i) => i.severity === 'error'));
});

test('the Appointment carries the telehealth link and service type Telehealth', () => {
  const a = toFhirAppointment(appt, o);
  assert.equal(a.extension, [{ url: telehealthLinkUrl(o.systemBase), valueUrl: 'https://rounds.example.org/join/appointment/appt-1' }]);
  assert.is(a.serviceType?.[0]?.text, 'Telehealth');
  assert.is(a.participant.length, 3);
});

test('searchset, OperationOutcome and CapabilityStatement validate', () => {
  valid(searchset([toFhirSlot({ id: 'slot-1', scheduleId: 'sch-1', start: appt.start, end: appt.end, status: 'free' }, o)], o, 'https://rounds.example.org/fhir/Slot'));
  valid(searchset([], o, 'https://rounds.example.org/fhir/Slot'));
  const page = searchset([toFhirAppointment(appt, o)], o, 'https://rounds.example.org/fhir/Appointment?_count=1', {
    total: 7, nextUrl: 'https://rounds.example.org/fhir/Appointment?_count=1&_offset=1', outcome: ignoredParamsOutcome(['_sort', 'foo'], o.systemBase),
  });
  valid(page);
  assert.is(page.total, 7);
  assert.equal(page.link?.map((l) => l.relation), ['self', 'next']);
  assert.equal(page.entry?.map((e) => e.search?.mode), ['match', 'outcome']);
  valid(operationOutcome('conflict', 'ERR_SCHED_SLOT_TAKEN', 'the slot is already booked', o.systemBase));
  const cs = capabilityStatement(o, { name: 'Rounds', version: '0.1.0' }, '2030-12-01T00:00:00Z');
  valid(cs);
  assert.is(cs.fhirVersion, '4.0.1');
});

test.run();
