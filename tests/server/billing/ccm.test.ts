import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Facts } from '../../../server/billing/facts.ts';
import type { Tables } from '../../../server/billing/tables.ts';
import { codes, editableTables, flagCodes, line, PROFILES, run } from './fixtures.ts';

const ccm = (c: NonNullable<Facts['ccm']>, payer: string = 'medicare-2026', t?: Tables, consent = true) =>
  run({ service: 'none', payer, ccm: c, consents: consent ? { ccm: { date: '2026-01-10' } } : {} }, t);

const staff = suite('ccm: clinical staff time (99490 + 99439)');

const STAFF: [minutes: number, want: string[], addUnits: number][] = [
  [19, [], 0], [20, ['99490'], 0], [39, ['99490'], 0], [40, ['99490', '99439'], 1],
  [59, ['99490', '99439'], 1], [60, ['99490', '99439'], 2], [120, ['99490', '99439'], 2],
];
for (const payer of PROFILES) {
  for (const [minutes, want, units] of STAFF) {
    staff(`${payer}: ${minutes} staff min → ${want.join(' + ') || 'nothing'}${units ? ` ×${units}` : ''}`, () => {
      const d = ccm({ chronicConditions: 2, clinicalStaffMinutes: minutes }, payer);
      assert.equal(codes(d), want);
      if (units) assert.is(line(d, '99439')?.units, units, '99439 at most twice a month');
    });
  }
}

const practitioner = suite('ccm: practitioner time (99491 + 99437)');

const PRACT: [minutes: number, want: string[], addUnits: number][] = [
  [29, [], 0], [30, ['99491'], 0], [59, ['99491'], 0], [60, ['99491', '99437'], 1], [90, ['99491', '99437'], 2],
];
for (const [minutes, want, units] of PRACT) {
  practitioner(`${minutes} practitioner min → ${want.join(' + ') || 'nothing'}`, () => {
    const d = ccm({ chronicConditions: 3, practitionerMinutes: minutes });
    assert.equal(codes(d), want);
    if (units) assert.is(line(d, '99437')?.units, units);
  });
}

practitioner('practitioner minutes do not count toward 99490 in the shipped table', () => {
  assert.equal(codes(ccm({ chronicConditions: 2, clinicalStaffMinutes: 10, practitionerMinutes: 15 })), []);
});

practitioner('a table edit can let practitioner time count as staff time', () => {
  const t = editableTables();
  const option = t.profiles['medicare-2026']?.ccm?.options.find((o) => o.code === '99490');
  assert.ok(option);
  if (option) option.timeFrom = ['clinicalStaff', 'practitioner'];
  assert.equal(codes(ccm({ chronicConditions: 2, clinicalStaffMinutes: 10, practitionerMinutes: 15 }, 'medicare-2026', t)), ['99490']);
});

const exclusive = suite('ccm: 99490 and 99491 are exclusive in a month');

exclusive('both qualify: one is billed, the other named in the rationale', () => {
  const d = ccm({ chronicConditions: 2, clinicalStaffMinutes: 25, practitionerMinutes: 35 });
  assert.equal(codes(d), ['99491'], 'placeholder fees: 99491 (80.00) beats 99490 (60.00)');
  assert.ok(d.rationale.some((r) => r.rule === 'ccm.exclusive' && r.because.includes('99490')));
});

exclusive('the higher estimated amount wins, including add-on units', () => {
  const d = ccm({ chronicConditions: 2, clinicalStaffMinutes: 60, practitionerMinutes: 35 });
  assert.equal(codes(d), ['99490', '99439'], '60.00 + 2 × 45.00 beats 80.00');
});

exclusive('equal amounts: the first option in the table wins', () => {
  const t = editableTables();
  const fees = t.fees.profiles['medicare-2026'];
  assert.ok(fees);
  if (fees) fees['99491'] = { cents: 6000, source: 'test' };
  assert.equal(codes(ccm({ chronicConditions: 2, clinicalStaffMinutes: 20, practitionerMinutes: 30 }, 'medicare-2026', t)), ['99490']);
});

exclusive('a CCM code already billed this month: none added, flagged', () => {
  const d = ccm({ chronicConditions: 2, clinicalStaffMinutes: 25, alreadyBilled: ['99491'] });
  assert.equal(codes(d), []);
  assert.ok(flagCodes(d).includes('CCM_EXCLUSIVE'));
});

const gates = suite('ccm: eligibility and consent');

gates('one chronic condition is not eligible', () => {
  const d = ccm({ chronicConditions: 1, clinicalStaffMinutes: 45 });
  assert.equal(codes(d), []);
  assert.is(d.flags.find((f) => f.code === 'CCM_NOT_ELIGIBLE')?.severity, 'warning');
});

gates('missing consent blocks', () => {
  const d = ccm({ chronicConditions: 2, clinicalStaffMinutes: 45 }, 'medicare-2026', undefined, false);
  assert.is(d.flags.find((f) => f.code === 'CCM_CONSENT_MISSING')?.severity, 'blocking');
  assert.is(d.billable, false);
});

staff.run();
practitioner.run();
exclusive.run();
gates.run();
