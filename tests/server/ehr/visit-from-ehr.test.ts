/** The visit a SMART launch creates from EHR resources. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { displayName, parseFhirUser, visitBodyFromEhr } from '../../../server/ehr/visit-from-ehr.ts';
import { parseCreateVisit } from '../../../server/visits/model.ts';
import { EhrError } from '../../../server/ehr/errors.ts';

const test = suite('visit from EHR');
const now = new Date('2030-01-01T09:00:00Z');
const patient = { resourceType: 'Patient' as const, id: 'p-1', name: [{ given: ['Ada'], family: 'Lovelace' }], address: [{ use: 'work' as const, state: 'NY' }, { use: 'home' as const, state: 'ma' }] };

test('fhirUser: relative or absolute references', () => {
  assert.equal(parseFhirUser('Practitioner/abc'), { type: 'Practitioner', id: 'abc' });
  assert.equal(parseFhirUser('https://ehr.example/fhir/Practitioner/x-1'), { type: 'Practitioner', id: 'x-1' });
  assert.is(parseFhirUser('https://ehr.example/fhir/Organization/x'), null);
  assert.is(parseFhirUser(null), null);
  assert.is(displayName(undefined, 'fallback'), 'fallback');
  assert.is(displayName([{ use: 'official', text: 'Dr. X' }], 'f'), 'Dr. X');
});

test('a valid create-visit body: home state, encounter period, practitioner name', () => {
  const body = visitBodyFromEhr({
    iss: 'https://ehr.example/fhir', patient, now,
    encounter: { resourceType: 'Encounter', status: 'planned', class: { code: 'VR' }, period: { start: '2030-01-01T10:00:00Z', end: '2030-01-01T10:30:00Z' } },
    practitioner: { id: 'dr-1', resource: { resourceType: 'Practitioner', name: [{ given: ['Greg'], family: 'House' }] } },
  });
  assert.is(body.patientLocation.state, 'MA');
  assert.is(body.patients[0]!.displayName, 'Ada Lovelace');
  assert.is(body.clinicians[0]!.name, 'Greg House');
  assert.is(body.scheduledStart, '2030-01-01T10:00:00.000Z');
  assert.ok(parseCreateVisit(body).ok, 'VisitService accepts it');
  const noEnc = visitBodyFromEhr({ iss: 'x', patient, now, encounter: null, practitioner: { id: 'dr-1', resource: null } });
  assert.is(noEnc.scheduledStart, now.toISOString());
  assert.is(noEnc.clinicians[0]!.name, 'dr-1');
});

test('no US state in the address: a clear error', () => {
  try {
    visitBodyFromEhr({ iss: 'x', patient: { ...patient, address: [{ country: 'FR' }] }, now, encounter: null, practitioner: { id: 'd', resource: null } });
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof EhrError);
    assert.is((e as EhrError).code, 'ERR_EHR_PATIENT_UNUSABLE');
  }
});

test.run();
