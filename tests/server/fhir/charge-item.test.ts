import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChargeItem, Encounter, Patient, Reference } from '@medplum/fhirtypes';
import { billingCodeSystem, modifierSystem, toChargeItems } from '../../../server/fhir/charge-item.ts';
import { isFhirMappingError } from '../../../server/fhir/errors.ts';
import type { FhirErrorCode } from '../../../server/fhir/errors.ts';
import type { BillingInput } from '../../../server/fhir/types.ts';
import { validateFhir } from '../../../server/fhir/validate.ts';
import { billing, END, NOW, OPTS, START, SYSTEM_BASE } from './fixtures.ts';

const test = suite('fhir/charge-item');
const ENC: Reference<Encounter> = { reference: 'Encounter/42' };
const PAT: Reference<Patient> = { reference: 'Patient/123' };
const CPT = 'http://www.ama-assn.org/go/cpt';
const HCPCS = 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';
const MODIFIER = `${SYSTEM_BASE}/StructureDefinition/billing-modifier`;
const POS = `${SYSTEM_BASE}/StructureDefinition/place-of-service`;

function throwsCode(fn: () => unknown, code: FhirErrorCode): void {
  try {
    fn();
  } catch (e) {
    assert.ok(isFhirMappingError(e), String(e));
    assert.is(e.code, code);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

function clean(item: ChargeItem): void {
  const issues = validateFhir(item).filter((i) => i.severity !== 'information');
  assert.equal(issues, [], JSON.stringify(issues, null, 2));
}

test('one ChargeItem per billing line, each valid', () => {
  const items = toChargeItems(billing(), ENC, PAT, OPTS);
  assert.is(items.length, 2);
  assert.equal(items.map((i) => i.code.coding?.[0]), [{ system: CPT, code: '99214' }, { system: HCPCS, code: 'G2211' }]);
  for (const item of items) {
    clean(item);
    assert.equal(item.subject, PAT);
    assert.equal(item.context, ENC);
    assert.equal(item.occurrencePeriod, { start: START, end: END });
    assert.is(item.enteredDate, NOW);
    assert.equal(item.reason, [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F41.1' }] }]);
  }
});

// engine status -> ChargeItem.status
const STATUS_TABLE = [
  ['billable', 'billable'],
  ['not-billable', 'not-billable'],
  ['pending', 'planned'],
] as const;

test('status follows the billing decision', () => {
  for (const [decision, status] of STATUS_TABLE) {
    const items = toChargeItems(billing({ status: decision }), ENC, PAT, OPTS);
    assert.ok(items.every((i) => i.status === status), decision);
    items.forEach(clean);
  }
});

// code -> inferred system (undefined: refused)
const SYSTEM_TABLE: Array<[string, string | undefined]> = [
  ['99214', CPT],
  ['98004', CPT],
  ['0591T', CPT],
  ['1036F', CPT],
  ['0001U', CPT],
  ['G2211', HCPCS],
  ['G2212', HCPCS],
  ['Q3014', HCPCS],
  ['ABCDE', undefined],
  ['9921X', undefined],
];

test('the code system is inferred from the code when not given', () => {
  for (const [code, system] of SYSTEM_TABLE) {
    if (system === undefined) throwsCode(() => billingCodeSystem({ code }), 'ERR_FHIR_CODE_SYSTEM_UNKNOWN');
    else assert.is(billingCodeSystem({ code }), system, code);
  }
  assert.is(billingCodeSystem({ code: 'ABCDE', system: 'urn:payer:local' }), 'urn:payer:local');
  throwsCode(() => toChargeItems(billing({ lines: [{ code: 'ABCDE', modifiers: [], units: 1 }] }), ENC, PAT, OPTS), 'ERR_FHIR_CODE_SYSTEM_UNKNOWN');
});

test('modifiers are extensions in claim order, CPT for numeric and HCPCS for letters; POS rides along', () => {
  const [item] = toChargeItems(billing({ lines: [{ code: '99213', modifiers: ['95', 'FQ'], units: 1 }], pos: '02' }), ENC, PAT, OPTS);
  assert.ok(item);
  assert.equal(item.extension, [
    { url: MODIFIER, valueCoding: { system: CPT, code: '95' } },
    { url: MODIFIER, valueCoding: { system: HCPCS, code: 'FQ' } },
    { url: POS, valueCoding: { system: 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set', code: '02' } },
  ]);
  assert.is(item.code.coding?.length, 1, 'the modifier is not smuggled into code.coding');
  assert.equal(['95', '93', '1P', 'FQ', 'GT'].map(modifierSystem), [CPT, CPT, CPT, HCPCS, HCPCS]);
  clean(item);
  const [bare] = toChargeItems(billing({ lines: [{ code: '99213', modifiers: [], units: 1 }], pos: null }), ENC, PAT, OPTS);
  assert.ok(bare);
  assert.is(bare.extension, undefined, 'no modifiers and no POS: no empty extension array');
  clean(bare);
});

test('quantity is the units; repeated codes get distinct, stable identifiers', () => {
  const lines: BillingInput['lines'] = [
    { code: '99215', modifiers: ['95'], units: 1 },
    { code: '99417', modifiers: [], units: 2 },
    { code: '99417', modifiers: [], units: 1 },
  ];
  const items = toChargeItems(billing({ lines }), ENC, PAT, OPTS);
  assert.equal(items.map((i) => i.quantity), [{ value: 1 }, { value: 2 }, { value: 1 }]);
  const ids = items.map((i) => i.identifier?.[0]?.value);
  assert.equal(ids, ['v-1001:99215:1', 'v-1001:99417:1', 'v-1001:99417:2']);
  assert.ok(items.every((i) => i.identifier?.[0]?.system === `${SYSTEM_BASE}/charge`));
  const again = toChargeItems(billing({ lines: [...lines].reverse() }), ENC, PAT, OPTS).map((i) => i.identifier?.[0]?.value);
  assert.equal([...again].sort(), [...ids].sort(), 'reordering lines keeps the same identifiers');
});

test('rationale becomes notes: general rules on every line, coded rules only on their line', () => {
  const [em, g2211] = toChargeItems(billing(), ENC, PAT, OPTS);
  assert.equal(em?.note?.map((n) => n.text), ['[em.time.established] total clinician time 32 min meets the 30 min minimum for 99214']);
  assert.equal(g2211?.note?.map((n) => n.text), [
    '[em.time.established] total clinician time 32 min meets the 30 min minimum for 99214',
    '[g2211.longitudinal] ongoing longitudinal care relationship recorded',
  ]);
  assert.ok(em?.note?.every((n) => n.time === NOW));
});

test('no lines, no charge items; rendering provider and supporting note are carried', () => {
  assert.equal(toChargeItems(billing({ lines: [], status: 'not-billable' }), ENC, PAT, OPTS), []);
  const [item] = toChargeItems(
    billing({ renderingProvider: { id: 'clin-1', reference: 'Practitioner/9' } }),
    ENC,
    PAT,
    { ...OPTS, supportingInformation: [{ reference: 'DocumentReference/7' }] },
  );
  assert.equal(item?.performer, [{ actor: { reference: 'Practitioner/9' } }]);
  assert.equal(item?.supportingInformation, [{ reference: 'DocumentReference/7' }]);
  if (item) clean(item);
});

test('bad billing input is refused', () => {
  throwsCode(() => toChargeItems(billing({ pos: '1' }), ENC, PAT, OPTS), 'ERR_FHIR_INPUT_INVALID');
  throwsCode(() => toChargeItems(billing({ lines: [{ code: '99214', modifiers: ['95'], units: 0 }] }), ENC, PAT, OPTS), 'ERR_FHIR_INPUT_INVALID');
  throwsCode(() => toChargeItems(billing(), ENC, PAT, { ...OPTS, now: 'yesterday' }), 'ERR_FHIR_INPUT_INVALID');
  throwsCode(() => toChargeItems(billing({ servicePeriod: { start: END, end: START } }), ENC, PAT, OPTS), 'ERR_FHIR_PERIOD_INVALID');
});

test('the validator flags a bogus status, a non-billing code system and a missing subject', () => {
  const [item] = toChargeItems(billing(), ENC, PAT, OPTS);
  assert.ok(item);
  const { subject: _omit, ...noSubject } = item;
  const bad = { ...noSubject, status: 'bogus', code: { coding: [{ system: 'http://snomed.info/sct', code: 'not-a-charge-code' }] } } as unknown as ChargeItem;
  const found = validateFhir(bad).filter((i) => i.severity === 'error').map((i) => `${i.code} ${i.path}`);
  for (const expected of [
    'ERR_FHIR_CODE_NOT_IN_VALUESET ChargeItem.status',
    'ERR_FHIR_CODE_SYSTEM_NOT_ALLOWED ChargeItem.code',
    'ERR_FHIR_STRUCTURE ChargeItem.subject',
    'ERR_FHIR_MISSING_ELEMENT ChargeItem.subject',
  ]) assert.ok(found.includes(expected), `${expected} in\n${found.join('\n')}`);
});

test.run();
