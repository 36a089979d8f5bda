/** Delivery planning: which entries go, how urn:uuid references become EHR ids, backoff. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Bundle } from '@medplum/fhirtypes';
import { entriesToSend, rewriteReferences } from '../../../server/ehr/deliver.ts';
import { backoffMs } from '../../../server/ehr/writeback.ts';

const test = suite('write-back delivery planning');
const E = 'urn:uuid:00000000-0000-5000-8000-000000000001';
const D = 'urn:uuid:00000000-0000-5000-8000-000000000002';
const bundle: Bundle = {
  resourceType: 'Bundle', type: 'transaction',
  entry: [
    { fullUrl: E, resource: { resourceType: 'Encounter', status: 'finished', class: { code: 'VR' } }, request: { method: 'POST', url: 'Encounter', ifNoneExist: 'identifier=s|e' } },
    { fullUrl: D, resource: { resourceType: 'DocumentReference', status: 'current', content: [], context: { encounter: [{ reference: E }] } }, request: { method: 'POST', url: 'DocumentReference', ifNoneExist: 'identifier=s|d' } },
    { resource: { resourceType: 'ChargeItem', status: 'billable', code: {}, subject: { reference: 'Patient/p' }, supportingInformation: [{ reference: D }] }, request: { method: 'POST', url: 'ChargeItem', ifNoneExist: 'identifier=s|c' } },
  ],
};

test('ChargeItems are sent only when configured', () => {
  assert.equal(entriesToSend(bundle, { charges: false }).map((e) => e.resource!.resourceType), ['Encounter', 'DocumentReference']);
  assert.is(entriesToSend(bundle, { charges: true }).length, 3);
});

test('urn:uuid references become EHR ids; references to entries not sent are dropped; input untouched', () => {
  const doc = bundle.entry![1]!.resource!;
  const out = rewriteReferences(doc, new Map([[E, 'Encounter/123']])) as any;
  assert.equal(out.context.encounter, [{ reference: 'Encounter/123' }]);
  assert.is((doc as any).context.encounter[0].reference, E);
  const charge = rewriteReferences(bundle.entry![2]!.resource!, new Map()) as any;
  assert.is(charge.supportingInformation, undefined);
  assert.equal(charge.subject, { reference: 'Patient/p' });
});

test('backoff doubles from the base and is capped', () => {
  assert.equal([1, 2, 3, 4, 10].map((n) => backoffMs(n, 100, 1000)), [100, 200, 400, 800, 1000]);
});

test.run();
