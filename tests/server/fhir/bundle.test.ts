import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Bundle, ChargeItem, DocumentReference, Encounter } from '@medplum/fhirtypes';
import { toVisitCloseBundle } from '../../../server/fhir/bundle.ts';
import { isFhirMappingError } from '../../../server/fhir/errors.ts';
import { validateFhir } from '../../../server/fhir/validate.ts';
import { billing, note, NOW, OPTS, visit } from './fixtures.ts';

const test = suite('fhir/bundle');
const UUID_V5_URN = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function full(): Bundle {
  return toVisitCloseBundle({ visit: visit(), note: note(), billing: billing() }, OPTS);
}

function errorsOf(b: Bundle): string[] {
  return validateFhir(b).filter((i) => i.severity === 'error').map((i) => `${i.code} ${i.path}`);
}

test('a transaction with the Encounter, the note and one ChargeItem per line, valid as a whole', () => {
  const b = full();
  assert.is(b.resourceType, 'Bundle');
  assert.is(b.type, 'transaction');
  assert.is(b.timestamp, NOW);
  assert.equal(b.entry?.map((e) => e.resource?.resourceType), ['Encounter', 'DocumentReference', 'ChargeItem', 'ChargeItem']);
  const issues = validateFhir(b).filter((i) => i.severity !== 'information');
  assert.equal(issues, [], JSON.stringify(issues, null, 2));
});

test('every entry is a conditional create on its business identifier under a urn:uuid fullUrl', () => {
  const b = full();
  const urls = new Set<string>();
  for (const e of b.entry ?? []) {
    assert.match(e.fullUrl ?? '', UUID_V5_URN);
    urls.add(e.fullUrl ?? '');
    assert.is(e.request?.method, 'POST');
    assert.is(e.request?.url, e.resource?.resourceType);
    const id = (e.resource as Encounter | DocumentReference | ChargeItem).identifier?.[0];
    // the server parses ifNoneExist as a query string: decoding must give back system|value
    const search = new URLSearchParams(e.request?.ifNoneExist ?? '');
    assert.equal([...search.keys()], ['identifier']);
    assert.is(search.get('identifier'), `${id?.system}|${id?.value}`);
  }
  assert.is(urls.size, b.entry?.length, 'fullUrls are distinct');
});

test('entries reference each other by fullUrl and share one subject', () => {
  const [encE, docE, ...chargeE] = full().entry ?? [];
  const enc = encE?.resource as Encounter;
  const doc = docE?.resource as DocumentReference;
  assert.equal(doc.context?.encounter, [{ reference: encE?.fullUrl }]);
  for (const e of chargeE) {
    const item = e.resource as ChargeItem;
    assert.equal(item.context, { reference: encE?.fullUrl });
    assert.equal(item.supportingInformation, [{ reference: docE?.fullUrl }]);
    assert.equal(item.subject, enc.subject);
  }
  assert.equal(doc.subject, enc.subject);
});

test('the same visit always gives the same bundle; another visit gives other fullUrls', () => {
  assert.equal(full(), full());
  const other = toVisitCloseBundle(
    { visit: visit({ visitId: 'v-2002' }), note: note({ id: 'v-2002' }), billing: billing({ visitId: 'v-2002' }) },
    OPTS,
  );
  const a = new Set(full().entry?.map((e) => e.fullUrl));
  assert.ok(other.entry?.every((e) => !a.has(e.fullUrl)));
});

test('note and billing are optional', () => {
  const encOnly = toVisitCloseBundle({ visit: visit() }, OPTS);
  assert.equal(encOnly.entry?.map((e) => e.resource?.resourceType), ['Encounter']);
  assert.equal(errorsOf(encOnly), []);
  const noNote = toVisitCloseBundle({ visit: visit(), billing: billing() }, OPTS);
  assert.equal(noNote.entry?.map((e) => e.resource?.resourceType), ['Encounter', 'ChargeItem', 'ChargeItem']);
  assert.is((noNote.entry?.[1]?.resource as ChargeItem).supportingInformation, undefined);
  assert.equal(errorsOf(noNote), []);
});

test('parts of another visit are refused with ERR_FHIR_INCONSISTENT_VISIT', () => {
  try {
    toVisitCloseBundle({ visit: visit(), note: note({ kind: 'tumor-board' }), billing: billing({ visitId: 'v-9' }) }, OPTS);
    assert.unreachable('should throw');
  } catch (e) {
    assert.ok(isFhirMappingError(e));
    assert.is(e.code, 'ERR_FHIR_INCONSISTENT_VISIT');
    assert.equal(e.details, ['note.kind', 'billing.visitId']);
  }
});

test('the validator catches broken bundles: dangling or mistyped urn references, unconditional entries', () => {
  const b = full();
  const [encE, docE, chargeE] = b.entry ?? [];
  assert.ok(encE && docE && chargeE);
  const charge = chargeE.resource as ChargeItem;
  const broken: Bundle = {
    ...b,
    entry: [
      { ...encE, request: { method: 'POST', url: 'Encounter' } },
      docE,
      { ...chargeE, resource: { ...charge, context: { reference: docE.fullUrl }, supportingInformation: [{ reference: 'urn:uuid:00000000-0000-5000-8000-000000000000' }] } },
    ],
  };
  const found = errorsOf(broken);
  for (const expected of [
    'ERR_FHIR_NOT_CONDITIONAL Bundle.entry[0].request',
    'ERR_FHIR_REFERENCE_TYPE Bundle.entry[2].resource.context',
    'ERR_FHIR_UNRESOLVED_REFERENCE Bundle.entry[2].resource.supportingInformation[0].reference',
  ]) assert.ok(found.includes(expected), `${expected} in\n${found.join('\n')}`);
});

test('the validator looks inside entries: a bogus status in an entry is caught', () => {
  const b = full();
  const [encE, ...rest] = b.entry ?? [];
  assert.ok(encE);
  const bad: Bundle = { ...b, entry: [{ ...encE, resource: { ...(encE.resource as Encounter), status: 'bogus' as Encounter['status'] } }, ...rest] };
  assert.ok(errorsOf(bad).includes('ERR_FHIR_CODE_NOT_IN_VALUESET Bundle.entry[0].resource.status'));
});

test.run();
