/**
 * FHIR R4 searches (`GET /fhir/Appointment`, `/fhir/Slot`, `/fhir/Schedule`): parsing the query
 * into a store query, FHIR date ranges, and the `Prefer: handling=` rule. Pure: no I/O, no clock.
 *
 * Slot: `schedule` (`Schedule/<id>` or `<id>`, once), `status` (`free` or `busy`), `start` (a
 * date as Appointment's `date` below; repeated values AND). Schedule: `actor` (`Type/<id>`, once),
 * `active` (`true` or `false`). Other parameters follow the lenient/strict rule below.
 *
 * Supported parameters (exactly those the CapabilityStatement lists, plus `_count`/`_offset`):
 * - `patient`: `Patient/<id>` or `<id>`; `practitioner`: `Practitioner/<id>` or `<id>`;
 *   `actor`: any participant as `Type/<id>`; `slot`: `Slot/<id>` or `<id>`. Each must be a
 *   participant of a match (repeating one ANDs the values, as FHIR says); `slot` at most once.
 * - `date` (Appointment.start) with `eq` (default), `ge`, `gt`, `le`, `lt` (and `sa`/`eb`, which
 *   are `gt`/`lt` for an instant); a value is a range at its own precision (`2031`, `2031-03`,
 *   `2031-03-01`, or a dateTime with a time zone), so `date=2031-03-01` is that whole UTC day and
 *   `date=le2031-03-01` includes it. Repeated `date` parameters AND (a range). `ne` and `ap` are
 *   refused (400), never ignored: ignoring them would widen the result.
 * - `status`: comma-separated FHIR appointment statuses (OR).
 * - `_count`: page size, default 50, at most 100 (larger values are lowered to 100, as FHIR
 *   allows); `_offset`: where the page starts (as Medplum and HAPI page).
 *
 * Any other parameter, or a supported one with a modifier or chain (`status:not`,
 * `patient.name`), is unsupported. FHIR's lenient/strict handling: with `Prefer: handling=strict`
 * the search is refused (400 `ERR_SCHED_UNSUPPORTED_PARAM`, issue `not-supported`); by default
 * (lenient) such parameters are ignored, left out of the Bundle's self link, and named in an
 * OperationOutcome entry (search mode `outcome`). A bad value of a supported parameter is always
 * 400 `ERR_SCHED_INVALID`. An empty value counts as absent.
 */
import { SchedulingError, isoSeconds, type SlotQuery } from './model.ts';
import { ID_PATTERN } from '../visits/model.ts';

/** What the store searches: every filter ANDs. Instants are UTC seconds (`isoSeconds`), compared as strings. */
export interface AppointmentQuery {
  /** Each one a participant of the appointment (`Patient/<id>`, `Practitioner/<id>`...). */
  actors: string[];
  slotId?: string;
  /** Any of these statuses. */
  statuses?: string[];
  /** Appointment.start >= startFrom. */
  startFrom?: string;
  /** Appointment.start < startBefore. */
  startBefore?: string;
  count: number;
  offset: number;
}

/** A parsed search: the store query, what was used and what was ignored. */
export interface Search<Q> {
  query: Q;
  /** The parameters used, normalised, in request order (for the self and next links). */
  used: [string, string][];
  /** Names of the parameters that were ignored (lenient handling). */
  ignored: string[];
}

export type AppointmentSearch = Search<AppointmentQuery>;

/** A search parameter as the CapabilityStatement lists it (fhir.ts). */
export interface SearchParamDef { name: string; type: 'reference' | 'date' | 'token' }

/** The search parameters parsed below, as the CapabilityStatement lists them (fhir.ts). */
export const APPOINTMENT_SEARCH_PARAMS: readonly SearchParamDef[] = [
  { name: 'patient', type: 'reference' }, { name: 'practitioner', type: 'reference' }, { name: 'actor', type: 'reference' },
  { name: 'date', type: 'date' }, { name: 'status', type: 'token' }, { name: 'slot', type: 'reference' },
];
export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 100;
export const MAX_OFFSET = 10_000;

/** Every Appointment.status code in R4 (a valid one Rounds never stores simply matches nothing). */
const STATUSES = new Set(['proposed', 'pending', 'booked', 'arrived', 'fulfilled', 'cancelled', 'noshow', 'entered-in-error', 'checked-in', 'waitlist']);
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const REF = /^([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})$/;
const DATE = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;

function invalid(message: string): never {
  throw new SchedulingError('ERR_SCHED_INVALID', message);
}

/** True when a `Prefer` header asks for strict handling of search parameters. */
export function preferStrict(prefer: string | undefined): boolean {
  return (prefer ?? '').split(/[,;]/).some((p) => p.trim().toLowerCase().replace(/\s+/g, '') === 'handling=strict');
}

/** `Type/id` or a bare id (when `type` is given) as `Type/id`. */
function reference(name: string, value: string, type?: string): string {
  const m = REF.exec(value);
  if (m) {
    if (type && m[1] !== type) invalid(`${name} must reference a ${type}`);
    if (m[1] === 'Patient' && !ID_PATTERN.test(m[2]!)) invalid(`${name}: not a patient id`);
    return value;
  }
  if (type && FHIR_ID.test(value) && (type !== 'Patient' || ID_PATTERN.test(value))) return `${type}/${value}`;
  return invalid(type ? `${name} must be ${type}/<id> or <id>` : `${name} must be Type/<id>`);
}

/** The range [from, before) a FHIR date value stands for, at its own precision, in UTC seconds. */
export function dateRange(value: string): { prefix: string; from: string; before: string } {
  const m = DATE.exec(value);
  if (!m) invalid('date must be a date (YYYY, YYYY-MM, YYYY-MM-DD) or a dateTime with a time zone, with an optional eq/ge/gt/le/lt prefix');
  const [, prefix = 'eq', y, mo, d, h, mi, s, zone] = m;
  if (h !== undefined && zone === undefined) invalid('a date search with a time needs a time zone');
  const start = Date.parse(`${y}-${mo ?? '01'}-${d ?? '01'}T${h ?? '00'}:${mi ?? '00'}:${s ?? '00'}${zone ?? 'Z'}`);
  const check = new Date(Date.UTC(Number(y), Number(mo ?? 1) - 1, Number(d ?? 1)));
  if (Number.isNaN(start) || check.getUTCMonth() !== Number(mo ?? 1) - 1 || check.getUTCDate() !== Number(d ?? 1)) invalid(`date ${value} is not a real date`);
  const next = new Date(start);
  if (s !== undefined) next.setUTCSeconds(next.getUTCSeconds() + 1);
  else if (mi !== undefined) next.setUTCMinutes(next.getUTCMinutes() + 1);
  else if (d !== undefined) next.setUTCDate(next.getUTCDate() + 1);
  else if (mo !== undefined) next.setUTCMonth(next.getUTCMonth() + 1);
  else next.setUTCFullYear(next.getUTCFullYear() + 1);
  return { prefix, from: isoSeconds(start), before: isoSeconds(next.getTime()) };
}

function applyDate(q: { startFrom?: string; startBefore?: string }, value: string): void {
  const { prefix, from, before } = dateRange(value);
  const later = (a: string | undefined, b: string) => (a === undefined || b > a ? b : a);
  const earlier = (a: string | undefined, b: string) => (a === undefined || b < a ? b : a);
  switch (prefix) {
    case 'eq': q.startFrom = later(q.startFrom, from); q.startBefore = earlier(q.startBefore, before); break;
    case 'ge': q.startFrom = later(q.startFrom, from); break;
    case 'gt': case 'sa': q.startFrom = later(q.startFrom, before); break;
    case 'lt': case 'eb': q.startBefore = earlier(q.startBefore, from); break;
    case 'le': q.startBefore = earlier(q.startBefore, before); break;
    default: invalid(`the date prefix ${prefix} is not supported; use eq, ge, gt, le or lt`);
  }
}

function nonNegativeInt(name: string, value: string, max: number): number {
  if (!/^\d+$/.test(value)) invalid(`${name} must be a non-negative integer`);
  const n = Number(value);
  if (n > max) invalid(`${name} must be at most ${max}`);
  return n;
}

/**
 * Parses an Appointment search. Unsupported parameters throw ERR_SCHED_UNSUPPORTED_PARAM when
 * `strict`, else are ignored and named in `ignored`.
 */
export function parseAppointmentSearch(params: URLSearchParams, strict: boolean): AppointmentSearch {
  const query: AppointmentQuery = { actors: [], count: DEFAULT_COUNT, offset: 0 };
  const used: [string, string][] = [];
  const ignored: string[] = [];
  let counted = false;
  for (const [name, raw] of params) {
    const value = raw.trim();
    if (value === '') continue;
    switch (name) {
      case 'patient': query.actors.push(reference(name, value, 'Patient')); break;
      case 'practitioner': query.actors.push(reference(name, value, 'Practitioner')); break;
      case 'actor': query.actors.push(reference(name, value)); break;
      case 'slot':
        if (query.slotId !== undefined) invalid('give slot once');
        query.slotId = reference(name, value, 'Slot').slice('Slot/'.length);
        break;
      case 'date': applyDate(query, value); break;
      case 'status': {
        const codes = value.split(',').map((c) => c.trim());
        for (const c of codes) if (!STATUSES.has(c)) invalid(`status ${c.slice(0, 32)} is not an Appointment status`);
        // Repeated status parameters AND: what is left is the intersection.
        query.statuses = query.statuses ? query.statuses.filter((c) => codes.includes(c)) : codes;
        break;
      }
      case '_count': query.count = Math.min(MAX_COUNT, nonNegativeInt(name, value, Infinity)); counted = true; continue;
      case '_offset': query.offset = nonNegativeInt(name, value, MAX_OFFSET); continue;
      default: unsupported(name, strict, ignored); continue;
    }
    used.push([name, value]);
  }
  if (counted) used.push(['_count', String(query.count)]);
  return { query, used, ignored };
}

/** A parameter a search does not support: refused when `strict`, else named in `ignored`. */
function unsupported(name: string, strict: boolean, ignored: string[]): void {
  const shown = name.slice(0, 64);
  if (strict) throw new SchedulingError('ERR_SCHED_UNSUPPORTED_PARAM', `search parameter ${shown} is not supported (Prefer: handling=strict)`);
  if (!ignored.includes(shown) && ignored.length < 20) ignored.push(shown);
}

export const SLOT_SEARCH_PARAMS: readonly SearchParamDef[] = [
  { name: 'schedule', type: 'reference' }, { name: 'start', type: 'date' }, { name: 'status', type: 'token' },
];

/**
 * Walks a search's parameters: `apply` sets a supported one on the query (or throws for a bad
 * value) and returns false for one it does not support, which lenient handling ignores.
 */
function walk<Q>(params: URLSearchParams, strict: boolean, query: Q, apply: (name: string, value: string) => boolean): Search<Q> {
  const used: [string, string][] = [];
  const ignored: string[] = [];
  for (const [name, raw] of params) {
    const value = raw.trim();
    if (value === '') continue;
    if (apply(name, value)) used.push([name, value]);
    else unsupported(name, strict, ignored);
  }
  return { query, used, ignored };
}

export function parseSlotSearch(params: URLSearchParams, strict: boolean): Search<SlotQuery> {
  const query: SlotQuery = {};
  return walk(params, strict, query, (name, value) => {
    switch (name) {
      case 'schedule':
        if (query.scheduleId !== undefined) invalid('give schedule once');
        query.scheduleId = reference(name, value, 'Schedule').slice('Schedule/'.length);
        return true;
      case 'status':
        if (value !== 'free' && value !== 'busy') invalid('status must be free or busy');
        if (query.status !== undefined && query.status !== value) invalid('give one slot status');
        query.status = value;
        return true;
      case 'start': applyDate(query, value); return true;
      default: return false;
    }
  });
}

export interface ScheduleQuery { actor?: string; active?: boolean }

export const SCHEDULE_SEARCH_PARAMS: readonly SearchParamDef[] = [
  { name: 'actor', type: 'reference' }, { name: 'active', type: 'token' },
];

export function parseScheduleSearch(params: URLSearchParams, strict: boolean): Search<ScheduleQuery> {
  const query: ScheduleQuery = {};
  return walk(params, strict, query, (name, value) => {
    switch (name) {
      case 'actor':
        if (query.actor !== undefined) invalid('give actor once');
        query.actor = reference(name, value);
        return true;
      case 'active':
        if (value !== 'true' && value !== 'false') invalid('active must be true or false');
        query.active = value === 'true';
        return true;
      default: return false;
    }
  });
}

/** The query string of a page of this search (`_offset` only past the first page). */
export function searchQueryString(s: Search<unknown>, offset: number): string {
  const q = new URLSearchParams(s.used);
  if (offset > 0) q.set('_offset', String(offset));
  return q.toString();
}
