/** Scheduling core: parsing of FHIR bodies and searches, booking and change rules. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  SchedulingError, assertChangeAllowed, newAppointment, parseBooking, parseChange, parseSchedule, parseSlot, type Appointment,
} from '../../../server/scheduling/model.ts';

const test = suite('scheduling model');

function code(fn: () => unknown): string {
  try { fn(); } catch (e) { return e instanceof SchedulingError ? e.code : 'other'; }
  return 'none';
}

const schedule = parseSchedule({ resourceType: 'Schedule', actor: [{ reference: 'Practitioner/dr-1', display: 'Dr One' }] }, 'sch-1');
const slot = parseSlot({ resourceType: 'Slot', schedule: { reference: 'Schedule/sch-1' }, status: 'free', start: '2031-01-01T09:00:00.250-05:00', end: '2031-01-01T09:30:00-05:00' }, 'slot-1');
const booked: Appointment = newAppointment({ slotId: 'slot-1', patient: { id: 'pat-1' } }, slot, schedule, 'appt-1', new Date('2030-12-01T00:00:00Z'));

test('schedules need a practitioner-like actor; slots are normalised to UTC seconds and start free', () => {
  assert.equal(schedule.actors, [{ kind: 'Practitioner', id: 'dr-1', display: 'Dr One' }]);
  assert.is(code(() => parseSchedule({ resourceType: 'Schedule', actor: [{ reference: 'Patient/p' }] }, 'x')), 'ERR_SCHED_INVALID');
  assert.is(code(() => parseSchedule({ resourceType: 'Slot' }, 'x')), 'ERR_SCHED_INVALID');
  assert.is(slot.start, '2031-01-01T14:00:00Z');
  assert.is(slot.end, '2031-01-01T14:30:00Z');
  assert.is(slot.status, 'free');
  assert.is(code(() => parseSlot({ resourceType: 'Slot', schedule: { reference: 'Schedule/s' }, status: 'busy', start: '2031-01-01T09:00:00Z', end: '2031-01-01T10:00:00Z' }, 'x')), 'ERR_SCHED_INVALID');
  assert.is(code(() => parseSlot({ resourceType: 'Slot', schedule: { reference: 'Schedule/s' }, start: '2031-01-01', end: '2031-01-02' }, 'x')), 'ERR_SCHED_INVALID', 'dates without time are not instants');
});

test('a booking names one slot and one patient', () => {
  const ok = parseBooking({ resourceType: 'Appointment', status: 'booked', slot: [{ reference: 'Slot/slot-1' }], participant: [{ actor: { reference: 'Patient/pat-1', display: 'P' } }, { actor: { reference: 'Practitioner/dr-1' } }] });
  assert.equal(ok, { slotId: 'slot-1', patient: { id: 'pat-1', display: 'P' } });
  assert.is(code(() => parseBooking({ resourceType: 'Appointment', slot: [], participant: [] })), 'ERR_SCHED_INVALID');
  assert.is(code(() => parseBooking({ resourceType: 'Appointment', slot: [{ reference: 'Slot/a' }], participant: [] })), 'ERR_SCHED_INVALID');
  assert.is(code(() => parseBooking({ resourceType: 'Appointment', status: 'fulfilled', slot: [{ reference: 'Slot/a' }], participant: [{ actor: { reference: 'Patient/p' } }] })), 'ERR_SCHED_INVALID');
  assert.equal(booked.practitioners, schedule.actors);
  assert.is(booked.start, slot.start);
});

test('updates: cancel, reschedule, nothing; other status changes are refused; only booked appointments change', () => {
  assert.equal(parseChange(booked, { resourceType: 'Appointment', status: 'cancelled', cancelationReason: { text: 'sick' } }), { type: 'cancel', reason: 'sick' });
  assert.equal(parseChange(booked, { resourceType: 'Appointment', status: 'booked', slot: [{ reference: 'Slot/slot-2' }] }), { type: 'reschedule', slotId: 'slot-2' });
  assert.equal(parseChange(booked, { resourceType: 'Appointment', slot: [{ reference: 'Slot/slot-1' }] }), { type: 'none' });
  assert.is(code(() => parseChange(booked, { resourceType: 'Appointment', status: 'fulfilled', slot: [{ reference: 'Slot/slot-1' }] })), 'ERR_SCHED_INVALID');
  assert.is(code(() => parseChange(booked, { resourceType: 'Appointment', id: 'other', status: 'cancelled' })), 'ERR_SCHED_INVALID');
  assert.is(code(() => assertChangeAllowed({ ...booked, status: 'cancelled' }, { type: 'cancel' })), 'ERR_SCHED_ILLEGAL_CHANGE');
  assert.is(code(() => assertChangeAllowed({ ...booked, status: 'arrived' }, { type: 'reschedule', slotId: 'x' })), 'ERR_SCHED_ILLEGAL_CHANGE');
  assert.is(code(() => assertChangeAllowed(booked, { type: 'cancel' })), 'none');
});

test.run();
