import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decide } from '../../../server/billing/engine.ts';
import { feeFor } from '../../../server/billing/fees.ts';
import type { Facts } from '../../../server/billing/facts.ts';
import type { Decision } from '../../../server/billing/types.ts';
import { codes, ctx, facts, flagCodes, NOW, rules, run, tables } from './fixtures.ts';

/** Invariants every decision keeps, whatever the facts. */
function explains(d: Decision): void {
  assert.ok(d.rationale.length > 0, 'lists its rationale');
  assert.is(d.rationale[d.rationale.length - 1]?.rule, 'decision', 'ends with the decision and why');
  for (const f of d.flags) assert.ok(rules(d).includes(f.rule), `flag ${f.code} has rule ${f.rule} in the rationale`);
  for (const l of d.lines) assert.ok(rules(d).includes(l.rule), `line ${l.code} has rule ${l.rule} in the rationale`);
  assert.is(d.billable, d.lines.length > 0 && !d.flags.some((f) => f.severity === 'blocking'));
  for (const r of d.rationale) assert.ok(r.because.length > 0);
}

const engine = suite('engine: decide');

engine('a documented Medicare video visit is billable, with lines, POS, amount and rationale', () => {
  const d = run({ totalMinutes: 42, mdm: 'moderate', longitudinalCare: true });
  assert.is(d.billable, true);
  assert.equal(d.lines.map((l) => [l.code, l.modifiers, l.units]), [['99215', ['95'], 1], ['G2211', [], 1]]);
  assert.is(d.pos, '10');
  assert.is(d.emLevelBasis, 'time');
  assert.is(d.mdmLevel, 'moderate');
  assert.equal(d.flags, []);
  const t = tables();
  const want = (feeFor(t.fees, 'medicare-2026', '99215')?.cents ?? NaN) + (feeFor(t.fees, 'medicare-2026', 'G2211')?.cents ?? NaN);
  assert.equal(d.estimatedAmount, { currency: 'USD', cents: want });
  explains(d);
});

engine('the same visit under the CPT telemedicine profile', () => {
  const d = run({ payer: 'cpt-telemedicine-2026', totalMinutes: 42, mdm: 'moderate', patientLocation: { state: 'TX', setting: 'other' } });
  assert.equal(d.lines.map((l) => [l.code, l.modifiers]), [['98007', []]]);
  assert.is(d.pos, '02');
  explains(d);
});

engine('blocking flags keep the proposed lines but make it not billable', () => {
  const d = run({ totalMinutes: 25, patientLocation: { state: 'NM', setting: 'home' }, consents: {} });
  assert.equal(codes(d), ['99213']);
  assert.is(d.billable, false);
  assert.ok(flagCodes(d).includes('LICENSE_STATE_MISMATCH'));
  assert.ok(flagCodes(d).includes('CONSENT_MISSING'));
  assert.match(d.rationale[d.rationale.length - 1]?.because ?? '', /LICENSE_STATE_MISMATCH/);
  explains(d);
});

engine('an unknown payer profile blocks and names the known ones', () => {
  const d = run({ payer: 'aetna-2026', totalMinutes: 25 });
  const f = d.flags.find((x) => x.code === 'PAYER_PROFILE_UNKNOWN');
  assert.is(f?.severity, 'blocking');
  assert.match(f?.message ?? '', /medicare-2026/);
  assert.equal(d.lines, []);
  explains(d);
});

engine('RPM and CCM only (no visit): lines without a POS or modifiers', () => {
  const base = facts({
    service: 'none', payer: 'medicare-2026',
    rpm: { deviceDays: 20, managementMinutes: 22, interactiveContact: true },
    ccm: { chronicConditions: 2, clinicalStaffMinutes: 21 },
    consents: { rpm: { date: '2026-01-01' }, ccm: { date: '2026-01-01' } },
  });
  delete base.modality;
  const d = decide(base, ctx());
  assert.equal(codes(d), ['99454', '99457', '99490']);
  assert.is(d.pos, null);
  assert.ok(d.lines.every((l) => l.modifiers.length === 0));
  assert.is(d.billable, true);
  assert.ok(rules(d).includes('service'));
  explains(d);
});

engine('a visit with RPM and CCM on the same claim', () => {
  const d = run({
    totalMinutes: 20, rpm: { deviceDays: 5 }, ccm: { chronicConditions: 2, practitionerMinutes: 31 },
    consents: { telehealth: { date: '2026-01-10', state: 'TX' }, rpm: { date: '2026-01-01' }, ccm: { date: '2026-01-01' } },
  });
  assert.equal(codes(d), ['99213', '99445', '99491']);
  explains(d);
});

engine('deterministic: the same facts give the same decision', () => {
  const f = facts({ totalMinutes: 33, mdmElements: { problems: 'moderate', data: 'limited', risk: 'moderate' }, prescriptions: [{ drug: 'x', schedule: 'IV' }] });
  assert.equal(decide(f, ctx()), decide(structuredClone(f), ctx()));
});

engine('does not modify its inputs', () => {
  const f = facts({ totalMinutes: 60, longitudinalCare: true, rpm: { deviceDays: 3 }, consents: { telehealth: { date: '2026-01-10', state: 'TX' } } });
  const frozen = structuredClone(f);
  const t = tables();
  const tBefore = JSON.stringify(t);
  decide(deepFreeze(f), { ...t, now: NOW });
  assert.equal(f, frozen);
  assert.is(JSON.stringify(t), tBefore);
});

engine('caller misuse throws TypeError', () => {
  assert.throws(() => decide(facts({ totalMinutes: 20 }), { ...tables(), now: new Date('nope') }), TypeError);
  const f = facts({ totalMinutes: 20 });
  delete f.modality;
  assert.throws(() => decide(f, ctx()), TypeError);
});

const SCENARIOS: [string, Partial<Facts>][] = [
  ['new patient, high MDM elements, audio', { patientStatus: 'new', modality: 'audio', mdmElements: { problems: 'high', data: 'extensive', risk: 'moderate' } }],
  ['check-in', { service: 'check-in', medicalDiscussionMinutes: 7 }],
  ['nothing documented', {}],
  ['expired consent, other state', { totalMinutes: 50, consents: { telehealth: { date: '2024-01-01', state: 'OK' } } }],
  ['future date', { totalMinutes: 15, date: '2026-07-01' }],
];
for (const [label, over] of SCENARIOS) {
  engine(`every decision explains itself: ${label}`, () => explains(run(over)));
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

engine.run();
