import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { identifierSearch, identifierUrn, nameUuid, patientReference, personReference } from '../../../server/fhir/common.ts';

const test = suite('fhir/common');

// name -> UUID v5 in the URL namespace, as computed by Python's uuid.uuid5(uuid.NAMESPACE_URL, name)
const UUID5_VECTORS: Array<[string, string]> = [
  ['https://rounds.example/visit|v-1', 'fdc1ada6-0223-50b6-bd05-72ce8efcad65'],
  ['https://clinic.example/fhir/charge|v-1001:99214:1', '961546ec-26ca-53f1-99af-2782a85e16b6'],
  ['', '1b4db7eb-4057-5ddf-91e0-36dec72071f5'],
];

test('nameUuid is RFC 4122 version 5 in the URL namespace', () => {
  for (const [name, uuid] of UUID5_VECTORS) assert.is(nameUuid(name), uuid, name);
  assert.is(identifierUrn({ system: 'https://rounds.example/visit', value: 'v-1' }), 'urn:uuid:fdc1ada6-0223-50b6-bd05-72ce8efcad65');
});

test('identifierSearch survives URL parsing with awkward systems', () => {
  for (const system of ['https://clinic.example/fhir/visit', 'https://x.example/ids?tenant=a&b=c#frag', 'urn:oid:1.2.3']) {
    const q = identifierSearch({ system, value: 'v-1:a.b_c' });
    assert.is(new URLSearchParams(q).get('identifier'), `${system}|v-1:a.b_c`);
    assert.is([...new URLSearchParams(q).keys()].length, 1);
  }
});

test('references: literal when the EHR id is known, logical by identifier otherwise', () => {
  assert.equal(patientReference({ id: 'p', reference: 'Patient/1' }, 'urn:rounds:x'), { reference: 'Patient/1' });
  assert.equal(patientReference({ id: 'p', display: 'Ann' }, 'urn:rounds:x'), {
    type: 'Patient', identifier: { use: 'official', system: 'urn:rounds:x/patient', value: 'p' }, display: 'Ann',
  });
  assert.equal(personReference({ id: 'c' }, 'urn:rounds:x', 'RelatedPerson'), {
    type: 'RelatedPerson', identifier: { use: 'official', system: 'urn:rounds:x/participant', value: 'c' },
  });
});

test.run();
