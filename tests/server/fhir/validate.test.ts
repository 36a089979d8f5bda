import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Encounter, Resource } from '@medplum/fhirtypes';
import { toEncounter } from '../../../server/fhir/encounter.ts';
import { loadFhirDefinitions, validateFhir } from '../../../server/fhir/validate.ts';
import type { FhirIssueCode } from '../../../server/fhir/validate.ts';
import { SYSTEM_BASE, visit } from './fixtures.ts';

const test = suite('fhir/validate');
const good: Encounter = toEncounter(visit(), { systemBase: SYSTEM_BASE });
const V3 = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';

function withType(system: string, code: string): Encounter {
  const [first, ...rest] = good.participant ?? [];
  return { ...good, participant: [{ ...first, type: [{ coding: [{ system, code }] }] }, ...rest] };
}

// [what, resource, severity, code, path] - each bad resource must be flagged with that issue
const BAD: Array<[string, unknown, 'error' | 'warning', FhirIssueCode, string]> = [
  ['status bogus', { ...good, status: 'bogus' }, 'error', 'ERR_FHIR_CODE_NOT_IN_VALUESET', 'Encounter.status'],
  ['status missing', { ...good, status: undefined }, 'error', 'ERR_FHIR_STRUCTURE', 'Encounter.status'],
  ['subject missing', { ...good, subject: undefined }, 'error', 'ERR_FHIR_MISSING_ELEMENT', 'Encounter.subject'],
  ['identifier missing', { ...good, identifier: undefined }, 'error', 'ERR_FHIR_MISSING_ELEMENT', 'Encounter.identifier'],
  ['class from another value set', { ...good, class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PAT' } }, 'error', 'ERR_FHIR_CODE_NOT_IN_VALUESET', 'Encounter.class'],
  ['class is an abstract code', { ...good, class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: '_ActEncounterCode' } }, 'error', 'ERR_FHIR_CODE_NOT_IN_VALUESET', 'Encounter.class'],
  ['class with a wrong display', { ...good, class: { ...good.class, display: 'video visit' } }, 'warning', 'ERR_FHIR_DISPLAY_MISMATCH', 'Encounter.class'],
  ['participant type AUT (v3, but not in the value set)', withType(V3, 'AUT'), 'error', 'ERR_FHIR_CODE_NOT_IN_VALUESET', 'Encounter.participant[0].type[0]'],
  ['participant type from an unknown system', withType('urn:x', 'PPRF'), 'error', 'ERR_FHIR_CODE_NOT_IN_VALUESET', 'Encounter.participant[0].type[0]'],
  ['identifier.use bogus (a data-type binding)', { ...good, identifier: [{ use: 'bogus', system: 'urn:x', value: '1' }] }, 'error', 'ERR_FHIR_CODE_NOT_IN_VALUESET', 'Encounter.identifier[0].use'],
  ['contained Location with a bogus status', { ...good, contained: [{ ...good.contained?.[0], status: 'bogus' }] }, 'error', 'ERR_FHIR_CODE_NOT_IN_VALUESET', 'Encounter.contained[0].status'],
  ['unknown property', { ...good, mood: 'fine' }, 'error', 'ERR_FHIR_STRUCTURE', 'Encounter.mood'],
  ['bad dateTime', { ...good, period: { start: 'soon' } }, 'error', 'ERR_FHIR_STRUCTURE', 'Encounter.period.start'],
  ['length value is a string', { ...good, length: { value: '32' } }, 'error', 'ERR_FHIR_STRUCTURE', 'Encounter.length.value'],
  ['DocumentReference docStatus draft', { resourceType: 'DocumentReference', status: 'current', docStatus: 'draft', content: [{ attachment: {} }] }, 'error', 'ERR_FHIR_CODE_NOT_IN_VALUESET', 'DocumentReference.docStatus'],
  ['DocumentReference type from outside c80', { resourceType: 'DocumentReference', status: 'current', type: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, content: [{ attachment: {} }] }, 'error', 'ERR_FHIR_CODE_NOT_IN_VALUESET', 'DocumentReference.type'],
  ['ChargeItem status bogus', { resourceType: 'ChargeItem', status: 'bogus', code: { text: 'x' }, subject: { reference: 'Patient/1' } }, 'error', 'ERR_FHIR_CODE_NOT_IN_VALUESET', 'ChargeItem.status'],
  ['Bundle type bogus', { resourceType: 'Bundle', type: 'bogus' }, 'error', 'ERR_FHIR_CODE_NOT_IN_VALUESET', 'Bundle.type'],
  ['Bundle request method FETCH', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'FETCH', url: 'Patient' } }] }, 'error', 'ERR_FHIR_CODE_NOT_IN_VALUESET', 'Bundle.entry[0].request.method'],
];

test('a well-formed Encounter has no errors or warnings', () => {
  assert.equal(validateFhir(good).filter((i) => i.severity !== 'information'), []);
});

test('each bad resource is flagged where it is bad', () => {
  for (const [what, resource, severity, code, path] of BAD) {
    const issues = validateFhir(resource as Resource);
    const hit = issues.find((i) => i.code === code && i.path === path);
    assert.ok(hit, `${what}: expected ${code} at ${path}, got\n${JSON.stringify(issues, null, 2)}`);
    assert.is(hit.severity, severity, what);
  }
});

test('validateFhir returns issues instead of throwing, even for garbage', () => {
  for (const junk of [{ resourceType: 'NoSuchType' }, {}, { resourceType: 'Encounter', status: 42 }]) {
    const issues = validateFhir(junk as unknown as Resource);
    assert.ok(issues.some((i) => i.severity === 'error'), JSON.stringify(junk));
  }
});

test('what cannot be checked locally is reported, not silently passed', () => {
  const issues = validateFhir({ resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'text/plain' } }] });
  const unchecked = issues.find((i) => i.code === 'ERR_FHIR_BINDING_UNCHECKED');
  assert.is(unchecked?.severity, 'information');
  assert.is(unchecked?.path, 'DocumentReference.content[0].attachment.contentType');
});

test('definitions load once and are shared', () => {
  assert.is(loadFhirDefinitions(), loadFhirDefinitions());
});

test.run();
