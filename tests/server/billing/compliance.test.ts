import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { daysBetween } from '../../../server/billing/compliance.ts';
import { decide } from '../../../server/billing/engine.ts';
import { ctx, DOS, editableTables, facts, flagCodes, run } from './fixtures.ts';

const license = suite('compliance: licensure where the patient is');

license('licensed in the patient state: no flag, rationale says so', () => {
  const d = run({ totalMinutes: 20 });
  assert.not.ok(flagCodes(d).includes('LICENSE_STATE_MISMATCH'));
  assert.ok(d.rationale.some((r) => r.rule === 'license' && r.because.includes('licensed')));
  assert.is(d.billable, true);
});

license('patient in another state blocks billing with a clear flag', () => {
  const d = run({ totalMinutes: 20, patientLocation: { state: 'OK', setting: 'home' } });
  const f = d.flags.find((x) => x.code === 'LICENSE_STATE_MISMATCH');
  assert.is(f?.severity, 'blocking');
  assert.match(f?.message ?? '', /OK/);
  assert.match(f?.message ?? '', /TX/);
  assert.is(d.billable, false);
  assert.equal(d.lines.map((l) => l.code), ['99213'], 'the coding is still shown');
});

license('IMLC eligibility is a path to a license, not a license', () => {
  const d = run({ totalMinutes: 20, patientLocation: { state: 'CO', setting: 'home' }, clinician: { licensedStates: ['TX'], imlc: true } });
  const f = d.flags.find((x) => x.code === 'LICENSE_STATE_MISMATCH');
  assert.is(f?.severity, 'blocking');
  assert.match(f?.message ?? '', /IMLC/);
  assert.ok(d.rationale.some((r) => r.rule === 'license' && r.source?.includes('IMLC')));
});

license('IMLC non-member state: the message does not suggest the compact', () => {
  const d = run({ totalMinutes: 20, patientLocation: { state: 'CA', setting: 'home' }, clinician: { licensedStates: ['TX'], imlc: true } });
  const f = d.flags.find((x) => x.code === 'LICENSE_STATE_MISMATCH');
  assert.ok(f);
  assert.not.match(f?.message ?? '', /IMLC/);
});

license('a compact that grants a practice privilege (table edit) covers its member states', () => {
  const t = editableTables();
  t.stateRules.compacts.push({ id: 'TESTPACT', name: 'Test privilege compact', grantsPracticePrivilege: true, members: ['TX', 'OK'], source: 'test fixture' });
  const covered = run({ totalMinutes: 20, patientLocation: { state: 'OK', setting: 'home' }, clinician: { licensedStates: ['TX'], compacts: ['TESTPACT'] } }, t);
  assert.not.ok(flagCodes(covered).includes('LICENSE_STATE_MISMATCH'));
  const notMember = run({ totalMinutes: 20, patientLocation: { state: 'NM', setting: 'home' }, clinician: { licensedStates: ['TX'], compacts: ['TESTPACT'] } }, t);
  assert.ok(flagCodes(notMember).includes('LICENSE_STATE_MISMATCH'));
  const both = run({ totalMinutes: 20, patientLocation: { state: 'OK', setting: 'home' }, clinician: { licensedStates: ['TX'], imlc: true, compacts: ['TESTPACT'] } }, t);
  assert.not.ok(flagCodes(both).includes('LICENSE_STATE_MISMATCH'), 'a privilege compact wins over a listed pathway compact');
  const notHeld = run({ totalMinutes: 20, patientLocation: { state: 'OK', setting: 'home' } }, t);
  assert.ok(flagCodes(notHeld).includes('LICENSE_STATE_MISMATCH'));
});

const consent = suite('compliance: telehealth consent');

const day = (offset: number): string => new Date(Date.parse(`${DOS}T00:00:00Z`) - offset * 86_400_000).toISOString().slice(0, 10);

consent('daysBetween counts calendar days across a leap year', () => {
  assert.is(daysBetween('2024-02-28', '2024-03-01'), 2);
  assert.is(daysBetween('2026-06-15', '2026-06-14'), -1);
  assert.is(daysBetween(day(365), DOS), 365);
});

consent('missing consent blocks billing', () => {
  const d = run({ totalMinutes: 20, consents: {} });
  assert.is(d.flags.find((f) => f.code === 'CONSENT_MISSING')?.severity, 'blocking');
  assert.is(d.billable, false);
});

// Shipped tables: TX has no row, so the default (required, no statutory period) and the clinic
// policy (365 days) apply.
const AGE_CASES: [age: number, expired: boolean][] = [[0, false], [364, false], [365, false], [366, true], [800, true]];
for (const [age, expired] of AGE_CASES) {
  consent(`clinic policy 365 days: consent ${age} days old → ${expired ? 'expired' : 'valid'}`, () => {
    const d = run({ totalMinutes: 20, consents: { telehealth: { date: day(age), state: 'TX' } } });
    assert.is(flagCodes(d).includes('CONSENT_EXPIRED'), expired);
    assert.is(d.billable, !expired);
    if (expired) assert.match(d.flags.find((f) => f.code === 'CONSENT_EXPIRED')?.message ?? '', /clinic policy/);
  });
}

consent('a state row with its own renewal period wins over the clinic policy', () => {
  const t = editableTables();
  t.stateRules.states.push({ state: 'TX', telehealthConsentRequired: true, consentRenewalDays: 180, audioOnlyConsentRequired: false, source: 'test fixture' });
  const ok = run({ totalMinutes: 20, consents: { telehealth: { date: day(180), state: 'TX' } } }, t);
  assert.not.ok(flagCodes(ok).includes('CONSENT_EXPIRED'));
  const old = run({ totalMinutes: 20, consents: { telehealth: { date: day(181), state: 'TX' } } }, t);
  const f = old.flags.find((x) => x.code === 'CONSENT_EXPIRED');
  assert.is(f?.severity, 'blocking');
  assert.match(f?.message ?? '', /TX law/);
});

consent('no state period and no clinic policy: an old consent stays valid', () => {
  const t = editableTables();
  t.stateRules.clinicPolicy.consentRenewalDays = null;
  const d = run({ totalMinutes: 20, consents: { telehealth: { date: day(2000), state: 'TX' } } }, t);
  assert.not.ok(flagCodes(d).includes('CONSENT_EXPIRED'));
});

consent('a state that does not require consent only warns when it is missing', () => {
  const t = editableTables();
  t.stateRules.states.push({ state: 'TX', telehealthConsentRequired: false, consentRenewalDays: null, audioOnlyConsentRequired: false, source: 'test fixture' });
  const d = run({ totalMinutes: 20, consents: {} }, t);
  assert.is(d.flags.find((f) => f.code === 'CONSENT_MISSING')?.severity, 'warning');
  assert.is(d.billable, true);
});

consent('consent dated after the visit blocks', () => {
  const d = run({ totalMinutes: 20, consents: { telehealth: { date: '2026-06-16', state: 'TX' } } });
  assert.ok(flagCodes(d).includes('CONSENT_AFTER_VISIT'));
  assert.is(d.billable, false);
});

consent('consent taken under another state warns', () => {
  const d = run({ totalMinutes: 20, consents: { telehealth: { date: day(10), state: 'OK' } } });
  assert.is(d.flags.find((f) => f.code === 'CONSENT_OTHER_STATE')?.severity, 'warning');
  assert.is(d.billable, true);
});

const audioConsent = suite('compliance: audio-only consent');

audioConsent('CA requires audio-only consent: missing blocks', () => {
  const d = run({
    modality: 'audio', totalMinutes: 20, audioOnlyReason: 'no video device', patientLocation: { state: 'CA', setting: 'home' },
    clinician: { licensedStates: ['CA'] }, consents: { telehealth: { date: day(5), state: 'CA' } },
  });
  assert.is(d.flags.find((f) => f.code === 'AUDIO_ONLY_CONSENT_MISSING')?.severity, 'blocking');
  assert.is(d.billable, false);
});

audioConsent('default rule: missing audio-only consent warns', () => {
  const d = run({ modality: 'audio', totalMinutes: 20, audioOnlyReason: 'no video device' });
  assert.is(d.flags.find((f) => f.code === 'AUDIO_ONLY_CONSENT_MISSING')?.severity, 'warning');
  assert.is(d.billable, true);
});

const dates = suite('compliance: dates');

dates('a date of service after now blocks', () => {
  const d = run({ totalMinutes: 20, date: '2026-06-16' });
  assert.ok(flagCodes(d).includes('DATE_IN_FUTURE'));
  assert.is(d.billable, false);
});

dates('without a date, the UTC date of now is used and said', () => {
  const f = facts({ totalMinutes: 20 });
  delete f.date;
  const d = decide(f, ctx());
  assert.is(d.dateOfService, DOS);
  assert.ok(d.rationale.some((r) => r.rule === 'date'));
});

dates('a date outside the profile year warns', () => {
  const d = run({ totalMinutes: 20, date: '2025-12-31', consents: { telehealth: { date: '2025-06-01', state: 'TX' } } });
  assert.is(d.flags.find((f) => f.code === 'PROFILE_NOT_IN_EFFECT')?.severity, 'warning');
});

license.run();
consent.run();
audioConsent.run();
dates.run();
