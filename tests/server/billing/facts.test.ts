import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseFacts } from '../../../server/billing/facts.ts';

const valid = () => ({
  patientStatus: 'established',
  date: '2026-06-15',
  totalMinutes: 25,
  modality: 'video',
  patientLocation: { state: 'TX', setting: 'home' },
  clinician: { licensedStates: ['TX'] },
  payer: 'medicare-2026',
  consents: { telehealth: { date: '2026-01-10', state: 'TX' } },
});

const facts = suite('facts: parseFacts');

facts('accepts a complete visit', () => {
  const r = parseFacts(valid());
  assert.ok(r.ok);
  if (r.ok) assert.is(r.facts.totalMinutes, 25);
});

facts('accepts partial documentation: no time, no MDM, no consents', () => {
  const { totalMinutes: _t, consents: _c, ...rest } = valid();
  assert.ok(parseFacts(rest).ok);
});

facts('accepts RPM/CCM-only claims without a modality', () => {
  const { modality: _m, ...rest } = valid();
  assert.ok(parseFacts({ ...rest, service: 'none', ccm: { chronicConditions: 2, clinicalStaffMinutes: 25 } }).ok);
});

const BAD: [label: string, mutate: (f: Record<string, unknown>) => void, path: string][] = [
  ['missing patientStatus', (f) => { delete f.patientStatus; }, 'patientStatus'],
  ['unknown patientStatus', (f) => { f.patientStatus = 'returning'; }, 'patientStatus'],
  ['negative minutes', (f) => { f.totalMinutes = -1; }, 'totalMinutes'],
  ['fractional minutes', (f) => { f.totalMinutes = 12.5; }, 'totalMinutes'],
  ['more minutes than a day has', (f) => { f.totalMinutes = 1441; }, 'totalMinutes'],
  ['not a calendar date', (f) => { f.date = '2026-02-30'; }, 'date'],
  ['unknown state code', (f) => { f.patientLocation = { state: 'XX', setting: 'home' }; }, 'patientLocation.state'],
  ['unknown setting', (f) => { f.patientLocation = { state: 'TX', setting: 'car' }; }, 'patientLocation.setting'],
  ['misspelt field is refused, not ignored', (f) => { f.totalMinute = 30; }, 'totalMinute'],
  ['nested unknown field', (f) => { f.clinician = { licensedStates: ['TX'], licence: 'x' }; }, 'clinician.licence'],
  ['visit without modality', (f) => { delete f.modality; }, 'modality'],
  ['empty MDM elements', (f) => { f.mdmElements = {}; }, 'mdmElements'],
  ['MDM element with a wrong word', (f) => { f.mdmElements = { data: 'high' }; }, 'mdmElements.data'],
  ['Schedule I cannot be prescribed', (f) => { f.prescriptions = [{ drug: 'x', schedule: 'I' }]; }, 'prescriptions.0.schedule'],
  ['empty payer', (f) => { f.payer = ''; }, 'payer'],
  ['bad code in alreadyBilled', (f) => { f.rpm = { alreadyBilled: ['9945'] }; }, 'rpm.alreadyBilled.0'],
  ['consent without state', (f) => { f.consents = { telehealth: { date: '2026-01-01' } }; }, 'consents.telehealth.state'],
];
for (const [label, mutate, path] of BAD) {
  facts(`rejects ${label} at ${path}`, () => {
    const f: Record<string, unknown> = valid();
    mutate(f);
    const r = parseFacts(f);
    assert.not.ok(r.ok);
    if (!r.ok) {
      const hit = r.errors.find((e) => e.path === path);
      assert.ok(hit, JSON.stringify(r.errors));
      assert.ok(hit && hit.code.length > 0 && hit.message.length > 0);
    }
  });
}

facts('non-object input is refused with a root error', () => {
  for (const input of [null, 'text', 42, []]) {
    const r = parseFacts(input);
    assert.not.ok(r.ok);
    if (!r.ok) assert.is(r.errors[0]?.path, '');
  }
});

facts('every problem is reported, not just the first', () => {
  const r = parseFacts({ ...valid(), totalMinutes: -3, payer: '', date: 'yesterday' });
  assert.not.ok(r.ok);
  if (!r.ok) assert.equal(r.errors.map((e) => e.path).sort(), ['date', 'payer', 'totalMinutes']);
});

facts.run();
