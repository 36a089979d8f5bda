import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Encounter, EncounterParticipant } from '@medplum/fhirtypes';
import { minutesBetween, toEncounter } from '../../../server/fhir/encounter.ts';
import { isFhirMappingError } from '../../../server/fhir/errors.ts';
import type { FhirErrorCode } from '../../../server/fhir/errors.ts';
import type { ParticipantInput } from '../../../server/fhir/types.ts';
import { loadFhirDefinitions, validateFhir } from '../../../server/fhir/validate.ts';
import { END, START, SYSTEM_BASE, visit } from './fixtures.ts';

const test = suite('fhir/encounter');
const opts = { systemBase: SYSTEM_BASE };
const V3_PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const PARTICIPANT_TYPE = 'http://terminology.hl7.org/CodeSystem/participant-type';

function throwsCode(fn: () => unknown, code: FhirErrorCode): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(isFhirMappingError(e), `expected FhirMappingError, got ${String(e)}`);
    assert.is(e.code, code);
    return [...e.details];
  }
  assert.unreachable(`expected ${code}`);
  return [];
}

function byIndividual(enc: Encounter, id: string): EncounterParticipant[] {
  return (enc.participant ?? []).filter((p) => p.individual?.identifier?.value === id || p.individual?.reference?.endsWith(`/${id}`));
}

function noProblems(enc: Encounter): void {
  const issues = validateFhir(enc).filter((i) => i.severity !== 'information');
  assert.equal(issues, [], JSON.stringify(issues, null, 2));
}

test('a closed visit yields a finished Encounter that passes validateResource and the binding checks', () => {
  const enc = toEncounter(visit(), opts);
  noProblems(enc);
  assert.is(enc.status, 'finished');
  assert.equal(enc.identifier, [{ use: 'official', system: `${SYSTEM_BASE}/visit`, value: 'v-1001' }]);
  assert.equal(enc.subject, { reference: 'Patient/123', display: 'Ann Example' });
});

test('class is VR "virtual" from v3-ActCode and is a member of v3-ActEncounterCode', () => {
  const enc = toEncounter(visit(), opts);
  assert.equal(enc.class, { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR', display: 'virtual' });
  const members = loadFhirDefinitions().terminology.expand('http://terminology.hl7.org/ValueSet/v3-ActEncounterCode');
  assert.ok(members?.get('http://terminology.hl7.org/CodeSystem/v3-ActCode')?.has('VR'));
});

test('modality is an Encounter.type from v3-ParticipationMode', () => {
  for (const [modality, code] of [['video', 'VIDEOCONF'], ['audio', 'PHONE']] as const) {
    const enc = toEncounter(visit({ modality }), opts);
    assert.equal(enc.type?.[0]?.coding?.[0]?.code, code);
    assert.is(enc.type?.[0]?.coding?.[0]?.system, 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode');
    assert.is(enc.type?.[1]?.coding?.[0]?.code, 'one-to-one');
    noProblems(enc);
  }
});

// role, visit kind, lead?, expected [system, code] per type, expected text of the first type
const ROLE_TABLE: Array<[ParticipantInput['role'], 'one-to-one' | 'tumor-board', boolean, Array<[string, string]>, string | undefined]> = [
  ['clinician', 'one-to-one', true, [[V3_PARTICIPATION, 'PPRF'], [V3_PARTICIPATION, 'ATND']], undefined],
  ['clinician', 'one-to-one', false, [[V3_PARTICIPATION, 'SPRF']], undefined],
  ['clinician', 'tumor-board', false, [[V3_PARTICIPATION, 'CON']], undefined],
  ['nurse', 'one-to-one', false, [[V3_PARTICIPATION, 'SPRF']], 'nurse'],
  ['interpreter', 'one-to-one', false, [[PARTICIPANT_TYPE, 'translator']], 'interpreter'],
  ['caregiver', 'one-to-one', false, [[V3_PARTICIPATION, 'PART']], 'caregiver (son)'],
  ['scribe', 'one-to-one', false, [[V3_PARTICIPATION, 'PART']], 'scribe'],
  ['observer', 'one-to-one', false, [[V3_PARTICIPATION, 'PART']], 'observer'],
];

test('participant types per role come from the encounter-participant-type value set', () => {
  const vs = loadFhirDefinitions().terminology.expand('http://hl7.org/fhir/ValueSet/encounter-participant-type');
  assert.ok(vs);
  for (const [role, kind, lead, expected, text] of ROLE_TABLE) {
    const lead1: ParticipantInput = { id: 'lead', role: 'clinician', primary: true, intervals: [{ start: START, end: END }] };
    const who: ParticipantInput = {
      id: 'who', role, primary: lead, intervals: [{ start: START, end: END }],
      ...(role === 'caregiver' ? { relationship: 'son' } : {}),
    };
    const enc = toEncounter(visit({ kind, participants: lead && role === 'clinician' ? [who] : [lead1, who] }), opts);
    const [p] = byIndividual(enc, 'who');
    const got = (p?.type ?? []).map((t) => [t.coding?.[0]?.system, t.coding?.[0]?.code]);
    assert.equal(got, expected, `${role} in ${kind}`);
    assert.is(p?.type?.[0]?.text, text, `${role} text`);
    for (const [system, code] of expected) assert.ok(vs.get(system)?.has(code), `${code} is in encounter-participant-type`);
    noProblems(enc);
  }
});

test('interpreter language and caregiver relationship are carried; caregivers are RelatedPersons', () => {
  const enc = toEncounter(visit(), opts);
  const [interp] = byIndividual(enc, 'int-1');
  assert.equal(interp?.extension, [{ url: `${SYSTEM_BASE}/StructureDefinition/interpreter-language`, valueCode: 'es' }]);
  assert.is(interp?.individual?.type, 'Practitioner');
  const care = byIndividual(enc, 'care-1');
  assert.is(care[0]?.type?.[0]?.text, 'caregiver (daughter)');
  assert.is(care[0]?.individual?.type, 'RelatedPerson');
});

test('the lead clinician is the first clinician unless one is flagged primary', () => {
  const two = (primary?: boolean): ParticipantInput[] => [
    { id: 'c-a', role: 'clinician', intervals: [{ start: START }] },
    { id: 'c-b', role: 'clinician', primary, intervals: [{ start: START }] },
  ];
  const unflagged = toEncounter(visit({ participants: two() }), opts);
  assert.is(byIndividual(unflagged, 'c-a')[0]?.type?.[0]?.coding?.[0]?.code, 'PPRF');
  assert.is(byIndividual(unflagged, 'c-b')[0]?.type?.[0]?.coding?.[0]?.code, 'SPRF');
  const flagged = toEncounter(visit({ participants: two(true) }), opts);
  assert.is(byIndividual(flagged, 'c-a')[0]?.type?.[0]?.coding?.[0]?.code, 'SPRF');
  assert.is(byIndividual(flagged, 'c-b')[0]?.type?.[0]?.coding?.[0]?.code, 'PPRF');
});

test('patients are never participants (R4 cannot reference them there; group members stay private)', () => {
  const participants: ParticipantInput[] = [
    { id: 'ther-1', role: 'clinician', intervals: [{ start: START }] },
    { id: 'pat-7', role: 'patient', intervals: [{ start: START }] },
    { id: 'pat-8', role: 'patient', display: 'Other Member', intervals: [{ start: START }] },
  ];
  const enc = toEncounter(visit({ kind: 'group-therapy', participants }), opts);
  assert.is(enc.participant?.length, 1);
  assert.not.ok(JSON.stringify(enc).includes('pat-8'));
  assert.not.ok(JSON.stringify(enc).includes('Other Member'));
  noProblems(enc);
  const alone = toEncounter(visit({ participants: [participants[1] as ParticipantInput] }), opts);
  assert.is(alone.participant, undefined, 'no empty participant array');
});

test('participant periods: overlapping intervals merge, gaps stay, open intervals end at the visit end', () => {
  const enc = toEncounter(visit(), opts);
  assert.equal(byIndividual(enc, '9').map((p) => p.period), [{ start: START, end: END }]);
  assert.equal(byIndividual(enc, 'care-1').map((p) => p.period), [
    { start: '2026-03-02T14:01:00Z', end: '2026-03-02T14:10:00Z' },
    { start: '2026-03-02T14:15:00Z', end: '2026-03-02T14:20:00Z' },
  ]);
});

// [start, end] -> the length must equal the period in minutes (to 0.01 min)
const LENGTH_TABLE: Array<[string, string]> = [
  [START, END],
  ['2026-03-02T14:00:00Z', '2026-03-02T14:30:00Z'],
  ['2026-03-02T09:00:00-05:00', '2026-03-02T14:45:10Z'],
  ['2026-03-02T14:00:00.250Z', '2026-03-02T14:00:01Z'],
  ['2026-03-02T14:00:00Z', '2026-03-02T14:00:00Z'],
  ['2026-03-02T23:50:00+00:00', '2026-03-03T01:05:00+01:00'],
];

test('Encounter.length is the period in UCUM minutes', () => {
  for (const [start, end] of LENGTH_TABLE) {
    const enc = toEncounter(visit({ period: { start, end }, participants: [] }), opts);
    assert.equal(enc.period, { start, end });
    const ms = Date.parse(end) - Date.parse(start);
    const value = enc.length?.value ?? NaN;
    assert.ok(Math.abs(value * 60_000 - ms) <= 300, `${start}..${end}: ${value} min vs ${ms} ms`);
    assert.is(value, minutesBetween(start, end));
    assert.equal({ ...enc.length, value: 0 }, { value: 0, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' });
  }
});

test('the patient location is a contained Location the Encounter points at', () => {
  const enc = toEncounter(visit(), opts);
  const loc = enc.contained?.[0];
  assert.is(loc?.resourceType, 'Location');
  assert.is(enc.location?.[0]?.location?.reference, `#${loc?.id}`);
  assert.equal(loc?.resourceType === 'Location' ? loc.address : undefined, { state: 'NY' });
  const other = toEncounter(visit({ location: { state: 'CA', setting: 'other' } }), opts);
  const otherLoc = other.contained?.[0];
  assert.is(otherLoc?.resourceType === 'Location' ? otherLoc.physicalType : 'x', undefined);
  noProblems(other);
});

test('without an EHR id the patient is a logical reference by Rounds identifier', () => {
  const enc = toEncounter(visit({ patient: { id: 'pat-7' } }), opts);
  assert.equal(enc.subject, { type: 'Patient', identifier: { use: 'official', system: `${SYSTEM_BASE}/patient`, value: 'pat-7' } });
  noProblems(enc);
});

test('periods that make no sense are refused with ERR_FHIR_PERIOD_INVALID', () => {
  throwsCode(() => toEncounter(visit({ period: { start: END, end: START }, participants: [] }), opts), 'ERR_FHIR_PERIOD_INVALID');
  const late: ParticipantInput = { id: 'c', role: 'clinician', intervals: [{ start: START }, { start: '2026-03-02T15:00:00Z' }] };
  const details = throwsCode(() => toEncounter(visit({ participants: [late] }), opts), 'ERR_FHIR_PERIOD_INVALID');
  assert.equal(details, ['visit.participants.0.intervals.1']);
  const backwards: ParticipantInput = { id: 'c', role: 'clinician', intervals: [{ start: '2026-03-02T14:10:00Z', end: '2026-03-02T14:05:00Z' }] };
  throwsCode(() => toEncounter(visit({ participants: [backwards] }), opts), 'ERR_FHIR_PERIOD_INVALID');
});

test('malformed input is refused with ERR_FHIR_INPUT_INVALID, naming paths but not values', () => {
  const cases: Array<[unknown, string]> = [
    [{ ...visit(), period: { start: '2026-03-02T14:00:00', end: END } }, 'visit.period.start'],
    [{ ...visit(), patient: { id: 'pat 7 SECRET' } }, 'visit.patient.id'],
    [{ ...visit(), patient: { id: 'p', reference: 'Practitioner/SECRET' } }, 'visit.patient.reference'],
    [{ ...visit(), participants: [{ id: 'x', role: 'clinician', reference: 'Patient/SECRET', intervals: [] }] }, 'visit.participants.0.reference'],
    [{ ...visit(), kind: 'SECRET' }, 'visit.kind'],
    [{ ...visit(), visitId: undefined }, 'visit.visitId'],
  ];
  for (const [input, path] of cases) {
    const details = throwsCode(() => toEncounter(input as never, opts), 'ERR_FHIR_INPUT_INVALID');
    assert.ok(details.some((d) => d.startsWith(`${path}:`)), `${path} in ${details.join(' / ')}`);
    assert.not.ok(details.join(' ').includes('SECRET'), 'no input values in error details');
  }
  throwsCode(() => toEncounter(visit(), { systemBase: 'https://clinic.example/fhir/' }), 'ERR_FHIR_INPUT_INVALID');
});

test('tumor boards and group sessions validate too', () => {
  for (const kind of ['tumor-board', 'group-therapy'] as const) {
    const enc = toEncounter(visit({ kind, location: undefined, reasonCodes: undefined }), opts);
    assert.is(enc.type?.[1]?.coding?.[0]?.code, kind);
    noProblems(enc);
  }
});

test.run();
