/**
 * THE scheduling repository contract, run on SQLite (scheduling-repo-sqlite.test.ts) and Postgres
 * (scheduling-repo-pg.test.ts): booking, cancel, reschedule and check-in CAS; appointments sealed
 * at rest; 50 concurrent bookings of one slot, from one repository and from two (two connections
 * or pools: two instances), leave exactly one winner.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SchedulingRepository } from '../../db/scheduling-repo.ts';
import { SchedulingError, type Appointment, type Schedule, type Slot } from '../../server/scheduling/model.ts';

export interface SchedulingRepoFactory {
  name: string;
  /** A fresh database; `second` is another repository (own connection or pool) on the same data. */
  open(): Promise<{ repo: SchedulingRepository; second: SchedulingRepository; rawAppointments(): Promise<string[]> }>;
  cleanup(): Promise<void>;
}

const schedule: Schedule = { id: 'sch-1', actors: [{ kind: 'Practitioner', id: 'dr-1', display: 'Dr One' }], active: true };
const slotAt = (id: string, start: string): Slot => ({ id, scheduleId: 'sch-1', start, end: start.replace(':00:00Z', ':30:00Z'), status: 'free' });
const appt = (id: string, s: Slot, patient = 'pat-zebra'): Appointment => ({
  id, status: 'booked', slotId: s.id, scheduleId: s.scheduleId, start: s.start, end: s.end, patient: { id: patient, display: 'Zed Zebra' },
  practitioners: schedule.actors, created: '2031-01-01',
});
const codeOf = async (p: Promise<unknown>) => { try { await p; return 'ok'; } catch (e) { return e instanceof SchedulingError ? e.code : String(e); } };

export function schedulingRepoContract(f: SchedulingRepoFactory): void {
  const test = suite(`scheduling repository (${f.name})`);
  let repo: SchedulingRepository;
  let second: SchedulingRepository;
  let raw: () => Promise<string[]>;

  test.before(async () => {
    ({ repo, second, rawAppointments: raw } = await f.open());
    await repo.createSchedule(schedule);
    for (let h = 9; h < 13; h++) await repo.createSlot(slotAt(`s-${h}`, `2031-01-01T${h}:00:00Z`));
  });
  test.after(() => f.cleanup());

  test('schedules and slots are stored and searched', async () => {
    assert.equal(await repo.getSchedule('sch-1'), schedule);
    assert.equal((await second.listSchedules()).map((s) => s.id), ['sch-1']);
    assert.is(await repo.getSchedule('nope'), null);
    const slots = await repo.searchSlots({ scheduleId: 'sch-1', startFrom: '2031-01-01T10:00:00Z', startBefore: '2031-01-01T12:00:00Z', status: 'free' });
    assert.equal(slots.map((s) => s.id), ['s-10', 's-11']);
  });

  test('book takes the slot with its schedule; a taken or missing slot is refused; a failing make rolls back', async () => {
    const a = await repo.book((s, sch) => { assert.equal(sch, schedule); return appt('a-1', s); }, 's-9');
    assert.is((await repo.getSlot('s-9'))!.status, 'busy');
    assert.equal(await second.getAppointment('a-1'), { appointment: a, version: 1 });
    assert.is(await codeOf(second.book((s) => appt('a-2', s), 's-9')), 'ERR_SCHED_SLOT_TAKEN');
    assert.is(await codeOf(repo.book((s) => appt('a-3', s), 'missing')), 'ERR_SCHED_NOT_FOUND');
    assert.is(await codeOf(repo.book(() => { throw new SchedulingError('ERR_SCHED_INVALID', 'no'); }, 's-10')), 'ERR_SCHED_INVALID');
    assert.is((await repo.getSlot('s-10'))!.status, 'free', 'the failed booking left the slot free');
    assert.is(await repo.getAppointment('a-3'), null);
  });

  test('reschedule moves, cancel frees, updates are compare-and-set on the version', async () => {
    const cur = (await repo.getAppointment('a-1'))!;
    const moved = await repo.reschedule(cur.appointment, cur.version, (s) => ({ ...cur.appointment, slotId: s.id, start: s.start, end: s.end }), 's-10');
    assert.equal([(await repo.getSlot('s-9'))!.status, (await repo.getSlot('s-10'))!.status], ['free', 'busy']);
    assert.is(await codeOf(repo.reschedule(moved, cur.version, (s) => ({ ...moved, slotId: s.id }), 's-11')), 'ERR_SCHED_ILLEGAL_CHANGE', 'stale version');
    assert.is((await repo.getSlot('s-11'))!.status, 'free', 'the refused reschedule released the new slot');
    assert.is(await second.update({ ...moved, status: 'arrived' }, cur.version), false);
    assert.is(await repo.cancel({ ...moved, status: 'cancelled' }, cur.version + 1), true);
    assert.is((await repo.getSlot('s-10'))!.status, 'free');
    assert.is(await repo.cancel({ ...moved, status: 'cancelled' }, cur.version + 1), false, 'a second cancel loses the CAS');
    assert.is((await repo.getAppointment('a-1'))!.appointment.status, 'cancelled');
  });

  test('appointments are sealed at rest', async () => {
    const rows = await raw();
    assert.ok(rows.length > 0);
    for (const r of rows) assert.not.ok(r.includes('pat-zebra') || r.includes('Zebra'), 'no patient in the clear');
  });

  test('50 concurrent bookings of one slot from one repository: exactly one wins', async () => {
    await repo.createSlot(slotAt('race-1', '2031-02-01T09:00:00Z'));
    const codes = await Promise.all(Array.from({ length: 50 }, (_, i) => codeOf(repo.book((s) => appt(`r1-${i}`, s, `pat-${i}`), 'race-1'))));
    assert.is(codes.filter((c) => c === 'ok').length, 1);
    assert.is(codes.filter((c) => c === 'ERR_SCHED_SLOT_TAKEN').length, 49);
  });

  test('50 concurrent bookings of one slot from two repositories (two instances): exactly one wins', async () => {
    await repo.createSlot(slotAt('race-2', '2031-02-01T10:00:00Z'));
    const codes = await Promise.all(Array.from({ length: 50 }, (_, i) => codeOf((i % 2 ? second : repo).book((s) => appt(`r2-${i}`, s, `pat-${i}`), 'race-2'))));
    assert.is(codes.filter((c) => c === 'ok').length, 1);
    assert.is(codes.filter((c) => c === 'ERR_SCHED_SLOT_TAKEN').length, 49);
    const winners = await Promise.all(Array.from({ length: 50 }, (_, i) => repo.getAppointment(`r2-${i}`)));
    assert.is(winners.filter(Boolean).length, 1, 'one appointment stored');
  });

  test.run();
}
