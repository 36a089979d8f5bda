/**
 * THE scheduling repository contract, run on SQLite (scheduling-repo-sqlite.test.ts) and Postgres
 * (scheduling-repo-pg.test.ts): booking, cancel, reschedule and check-in CAS; appointments sealed
 * at rest; 50 concurrent bookings of one slot, from one repository and from two (two connections
 * or pools: two instances), leave exactly one winner; appointment search by participant, date,
 * status and slot, paged, including rows stored before the search index existed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SchedulingRepository } from '../../db/scheduling-repo.ts';
import { SchedulingError, type Appointment, type Schedule, type Slot } from '../../server/scheduling/model.ts';
import type { AppointmentQuery } from '../../server/scheduling/search.ts';

export interface SchedulingRepoFactory {
  name: string;
  /** A fresh database; `second` is another repository (own connection or pool) on the same data. */
  open(): Promise<{
    repo: SchedulingRepository;
    second: SchedulingRepository;
    rawAppointments(): Promise<string[]>;
    /** Runs one SQL statement both dialects speak on the database. */
    exec(statement: string): Promise<void>;
    /** A new repository on `repo`'s connection (as after a restart). */
    reopen(): SchedulingRepository;
  }>;
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
  let exec: (statement: string) => Promise<void>;
  let reopen: () => SchedulingRepository;

  test.before(async () => {
    ({ repo, second, rawAppointments: raw, exec, reopen } = await f.open());
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

  test('appointment search: by participant, date range, status and slot, ANDed, by start, paged', async () => {
    const sch2: Schedule = { id: 'sch-2', actors: [{ kind: 'Practitioner', id: 'dr-2' }, { kind: 'HealthcareService', id: 'tele' }], active: true };
    await repo.createSchedule(sch2);
    const at = (id: string, start: string): Slot => ({ ...slotAt(id, start), scheduleId: 'sch-2' });
    for (const s of [at('q-1', '2032-01-01T10:00:00Z'), at('q-2', '2032-01-01T09:00:00Z'), at('q-3', '2032-01-02T09:00:00Z'), at('q-4', '2032-01-03T09:00:00Z')]) await repo.createSlot(s);
    const book = (id: string, slot: string, patient: string) => repo.book((s, sch) => ({ ...appt(id, s, patient), practitioners: sch!.actors }), slot);
    await book('qa-1', 'q-1', 'pat-s1');
    await book('qa-2', 'q-2', 'pat-s2');
    const a3 = await book('qa-3', 'q-3', 'pat-s1');
    assert.ok(await repo.cancel({ ...a3, status: 'cancelled' }, 1));
    const q = (over: Partial<AppointmentQuery>): AppointmentQuery => ({ actors: [], count: 50, offset: 0, ...over });
    const ids = async (over: Partial<AppointmentQuery>, r: SchedulingRepository = repo) => {
      const page = await r.searchAppointments(q(over));
      return [page.appointments.map((a) => a.id), page.total];
    };
    assert.equal(await ids({ actors: ['Practitioner/dr-2'] }), [['qa-2', 'qa-1', 'qa-3'], 3], 'by start, then id');
    assert.equal(await ids({ actors: ['Patient/pat-s1'] }, second), [['qa-1', 'qa-3'], 2]);
    assert.equal(await ids({ actors: ['Patient/pat-s1', 'HealthcareService/tele'] }), [['qa-1', 'qa-3'], 2], 'participants AND');
    assert.equal(await ids({ actors: ['Patient/pat-s1', 'Patient/pat-s2'] }), [[], 0]);
    assert.equal(await ids({ actors: ['Practitioner/dr-1', 'Patient/pat-s1'] }), [[], 0]);
    assert.equal(await ids({ actors: ['Practitioner/dr-2'], startFrom: '2032-01-01T00:00:00Z', startBefore: '2032-01-02T00:00:00Z' }), [['qa-2', 'qa-1'], 2]);
    assert.equal(await ids({ startFrom: '2032-01-01T09:30:00Z', startBefore: '2032-01-02T09:00:01Z' }), [['qa-1', 'qa-3'], 2], 'dates alone');
    assert.equal(await ids({ actors: ['Practitioner/dr-2'], statuses: ['cancelled'] }), [['qa-3'], 1]);
    assert.equal(await ids({ actors: ['Practitioner/dr-2'], statuses: ['booked', 'arrived'] }), [['qa-2', 'qa-1'], 2]);
    assert.equal(await ids({ actors: ['Practitioner/dr-2'], statuses: [] }), [[], 0]);
    assert.equal(await ids({ slotId: 'q-1' }), [['qa-1'], 1]);
    assert.equal(await ids({ actors: ['Practitioner/dr-2'], count: 2, offset: 1 }), [['qa-1', 'qa-3'], 3], 'a page');
    assert.equal(await ids({ actors: ['Practitioner/dr-2'], count: 0 }), [[], 3], '_count=0: the total only');
    assert.equal(await ids({ actors: ['Practitioner/dr-2'], offset: 3 }), [[], 3], 'past the end');
    const found = (await repo.searchAppointments(q({ slotId: 'q-1' }))).appointments[0];
    assert.equal(found, (await repo.getAppointment('qa-1'))!.appointment, 'the whole appointment, opened');
    // A reschedule moves it in date searches.
    const cur = (await repo.getAppointment('qa-2'))!;
    await repo.reschedule(cur.appointment, cur.version, (s) => ({ ...cur.appointment, slotId: s.id, start: s.start, end: s.end }), 'q-4');
    assert.equal(await ids({ startFrom: '2032-01-03T00:00:00Z', startBefore: '2032-01-04T00:00:00Z' }), [['qa-2'], 1]);
  });

  test('appointment search finds rows stored before the search index existed (indexed on first search)', async () => {
    await exec("update sched_appointments set start = null where id = 'qa-1'");
    await exec("delete from sched_appointment_actors where appointment_id = 'qa-1'");
    const fresh = reopen();
    const page = await fresh.searchAppointments({ actors: ['Patient/pat-s1', 'Practitioner/dr-2'], startFrom: '2032-01-01T00:00:00Z', count: 50, offset: 0 });
    assert.equal(page.appointments.map((a) => a.id), ['qa-1', 'qa-3']);
    assert.is((await second.searchAppointments({ actors: ['Patient/pat-s1'], slotId: 'q-1', count: 50, offset: 0 })).total, 1, 'indexed for every instance');
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
