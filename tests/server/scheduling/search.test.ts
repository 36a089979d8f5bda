/** Appointment search parsing: references, FHIR date ranges and prefixes, status, paging, lenient/strict handling. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SchedulingError } from '../../../server/scheduling/model.ts';
import { dateRange, MAX_COUNT, parseAppointmentSearch, parseScheduleSearch, parseSlotSearch, preferStrict, searchQueryString } from '../../../server/scheduling/search.ts';

const test = suite('scheduling appointment search');
const parse = (qs: string, strict = false) => parseAppointmentSearch(new URLSearchParams(qs), strict);
function code(fn: () => unknown): string {
  try { fn(); } catch (e) { return e instanceof SchedulingError ? e.code : 'other'; }
  return 'none';
}

test('patient, practitioner, actor and slot: references or bare ids; every one must be a participant', () => {
  assert.equal(parse('patient=pat-1').query.actors, ['Patient/pat-1']);
  assert.equal(parse('patient=Patient/pat-1&practitioner=dr-1&actor=HealthcareService/tele').query.actors, ['Patient/pat-1', 'Practitioner/dr-1', 'HealthcareService/tele']);
  assert.equal(parse('actor=Patient/p-1&actor=Practitioner/dr-1').query.actors, ['Patient/p-1', 'Practitioner/dr-1'], 'repeated: AND');
  assert.is(parse('slot=Slot/s-1').query.slotId, 's-1');
  assert.is(parse('slot=s-1').query.slotId, 's-1');
  for (const bad of ['patient=Practitioner/dr-1', 'patient=a b', 'practitioner=Patient/p', 'actor=dr-1', 'actor=Patient/', 'slot=Schedule/x', 'slot=a&slot=b', 'patient=-x']) {
    assert.is(code(() => parse(bad)), 'ERR_SCHED_INVALID', bad);
  }
});

test('a date value is a range at its own precision', () => {
  assert.equal(dateRange('2031-03-01'), { prefix: 'eq', from: '2031-03-01T00:00:00Z', before: '2031-03-02T00:00:00Z' });
  assert.equal(dateRange('ge2031-03'), { prefix: 'ge', from: '2031-03-01T00:00:00Z', before: '2031-04-01T00:00:00Z' });
  assert.equal(dateRange('2031'), { prefix: 'eq', from: '2031-01-01T00:00:00Z', before: '2032-01-01T00:00:00Z' });
  assert.equal(dateRange('lt2031-03-01T09:00-05:00'), { prefix: 'lt', from: '2031-03-01T14:00:00Z', before: '2031-03-01T14:01:00Z' });
  assert.equal(dateRange('2031-03-01T09:00:00.5Z'), { prefix: 'eq', from: '2031-03-01T09:00:00Z', before: '2031-03-01T09:00:01Z' });
  for (const bad of ['2031-02-30', '2031-13', '2031-03-01T09:00', 'yesterday', '31-03-01', '2031-03-01T25:00Z']) assert.is(code(() => dateRange(bad)), 'ERR_SCHED_INVALID', bad);
});

test('date prefixes: eq (default), ge, gt, le, lt (sa, eb as gt, lt); repeated dates AND; ne and ap are refused', () => {
  const range = (qs: string) => { const q = parse(qs).query; return [q.startFrom, q.startBefore]; };
  assert.equal(range('date=2031-03-01'), ['2031-03-01T00:00:00Z', '2031-03-02T00:00:00Z']);
  assert.equal(range('date=eq2031-03-01'), ['2031-03-01T00:00:00Z', '2031-03-02T00:00:00Z']);
  assert.equal(range('date=ge2031-03-01'), ['2031-03-01T00:00:00Z', undefined]);
  assert.equal(range('date=gt2031-03-01'), ['2031-03-02T00:00:00Z', undefined], 'after the whole day');
  assert.equal(range('date=le2031-03-01'), [undefined, '2031-03-02T00:00:00Z'], 'the day included');
  assert.equal(range('date=lt2031-03-01'), [undefined, '2031-03-01T00:00:00Z']);
  assert.equal(range('date=sa2031-03-01'), range('date=gt2031-03-01'));
  assert.equal(range('date=eb2031-03-01'), range('date=lt2031-03-01'));
  assert.equal(range('date=ge2031-03-01&date=lt2031-04-01'), ['2031-03-01T00:00:00Z', '2031-04-01T00:00:00Z']);
  assert.equal(range('date=ge2031-03-01&date=ge2031-03-05&date=le2031-03-20&date=lt2031-03-10'), ['2031-03-05T00:00:00Z', '2031-03-10T00:00:00Z'], 'the narrowest');
  assert.equal(range('date=eq2031-03-01T09:00:00Z'), ['2031-03-01T09:00:00Z', '2031-03-01T09:00:01Z'], 'a dateTime is a one-second range');
  assert.is(code(() => parse('date=ne2031-03-01')), 'ERR_SCHED_INVALID');
  assert.is(code(() => parse('date=ap2031-03-01', true)), 'ERR_SCHED_INVALID');
});

test('status: comma-separated codes OR; repeated parameters AND; unknown codes refused', () => {
  assert.equal(parse('status=booked,arrived').query.statuses, ['booked', 'arrived']);
  assert.equal(parse('status=booked,arrived&status=arrived,cancelled').query.statuses, ['arrived']);
  assert.equal(parse('status=noshow').query.statuses, ['noshow'], 'a valid code Rounds never stores matches nothing');
  assert.is(code(() => parse('status=free')), 'ERR_SCHED_INVALID');
});

test('_count defaults to 50 and is lowered to 100; _offset pages; bad numbers refused; empty values are absent', () => {
  assert.equal([parse('').query.count, parse('').query.offset], [50, 0]);
  assert.is(parse('_count=7').query.count, 7);
  assert.is(parse('_count=0').query.count, 0);
  assert.is(parse('_count=100000000000000000000').query.count, MAX_COUNT);
  assert.is(parse('_offset=20').query.offset, 20);
  for (const bad of ['_count=-1', '_count=ten', '_offset=1.5', '_offset=10001']) assert.is(code(() => parse(bad)), 'ERR_SCHED_INVALID', bad);
  assert.equal(parse('patient=&status=&date=').query, { actors: [], count: 50, offset: 0 });
});

test('lenient (default): unsupported parameters, modifiers and chains are ignored, named, and left out of the links', () => {
  const s = parse('patient=pat-1&_sort=date&status:not=booked&patient.name=Zed&foo=1&foo=2&_count=500&_offset=100');
  assert.equal(s.ignored, ['_sort', 'status:not', 'patient.name', 'foo']);
  assert.equal(s.query.actors, ['Patient/pat-1']);
  assert.is(s.query.statuses, undefined);
  assert.is(searchQueryString(s, 0), 'patient=pat-1&_count=100');
  assert.is(searchQueryString(s, 200), 'patient=pat-1&_count=100&_offset=200');
});

test('strict: an unsupported parameter refuses the search (ERR_SCHED_UNSUPPORTED_PARAM)', () => {
  assert.is(code(() => parse('patient=pat-1&_sort=date', true)), 'ERR_SCHED_UNSUPPORTED_PARAM');
  assert.is(code(() => parse('status:not=booked', true)), 'ERR_SCHED_UNSUPPORTED_PARAM');
  assert.is(code(() => parse('patient=pat-1&date=ge2031-01-01&status=booked&practitioner=dr-1&actor=Patient/pat-1&slot=s-1&_count=5&_offset=5', true)), 'none');
  assert.ok(preferStrict('handling=strict'));
  assert.ok(preferStrict('return=minimal, handling=strict'));
  assert.ok(preferStrict('Handling = Strict'));
  assert.not.ok(preferStrict('handling=lenient'));
  assert.not.ok(preferStrict(undefined));
});

test('slot search: schedule, status, start ranges at their precision (an instant is its second), lenient/strict', () => {
  const q = (qs: string, strict = false) => parseSlotSearch(new URLSearchParams(qs), strict);
  assert.equal(q('schedule=Schedule/sch-1&status=free&start=2031-01-01').query, { scheduleId: 'sch-1', status: 'free', startFrom: '2031-01-01T00:00:00Z', startBefore: '2031-01-02T00:00:00Z' });
  assert.equal(q('schedule=sch-1').query, { scheduleId: 'sch-1' });
  assert.equal(q('start=ge2031-01-01T10:00:00Z&start=lt2031-01-03').query, { startFrom: '2031-01-01T10:00:00Z', startBefore: '2031-01-03T00:00:00Z' });
  assert.equal(q('start=gt2031-01-01&start=le2031-01-02').query, { startFrom: '2031-01-02T00:00:00Z', startBefore: '2031-01-03T00:00:00Z' });
  assert.equal(q('start=eq2031-01-01T10:00:00Z').query, { startFrom: '2031-01-01T10:00:00Z', startBefore: '2031-01-01T10:00:01Z' }, 'eq at an instant: that second, not an empty range');
  assert.equal(q('start=2031-01&start=ge2031-01-20').query, { startFrom: '2031-01-20T00:00:00Z', startBefore: '2031-02-01T00:00:00Z' }, 'repeated: AND');
  const lenient = q('schedule=sch-1&_sort=start&identifier=x');
  assert.equal(lenient.ignored, ['_sort', 'identifier']);
  assert.equal(lenient.used, [['schedule', 'sch-1']]);
  for (const bad of ['start=yesterday', 'status=maybe', 'schedule=Practitioner/x', 'schedule=a&schedule=b', 'start=ne2031-01-01', 'status=free&status=busy']) {
    assert.is(code(() => q(bad)), 'ERR_SCHED_INVALID', bad);
  }
  assert.is(code(() => q('_sort=start', true)), 'ERR_SCHED_UNSUPPORTED_PARAM');
});

test('schedule search: actor and active; unsupported parameters lenient or strict', () => {
  const q = (qs: string, strict = false) => parseScheduleSearch(new URLSearchParams(qs), strict);
  assert.equal(q('actor=Practitioner/dr-1&active=false').query, { actor: 'Practitioner/dr-1', active: false });
  assert.equal(q('active=true').query, { active: true });
  assert.equal(q('specialty=x').ignored, ['specialty']);
  for (const bad of ['active=yes', 'actor=dr-1', 'actor=Practitioner/a&actor=Practitioner/b']) assert.is(code(() => q(bad)), 'ERR_SCHED_INVALID', bad);
  assert.is(code(() => q('specialty=x', true)), 'ERR_SCHED_UNSUPPORTED_PARAM');
});

test.run();
