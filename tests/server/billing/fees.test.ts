import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { estimate, feeFor } from '../../../server/billing/fees.ts';
import { Trail } from '../../../server/billing/types.ts';
import { editableTables, run, tables } from './fixtures.ts';

const fees = suite('fees: estimated amount');

fees('sums fee × units over the lines, from the table', () => {
  const t = tables();
  const trail = new Trail();
  const lines = [
    { code: '99215', modifiers: ['95'], units: 1, rule: 'x' },
    { code: 'G2212', modifiers: ['95'], units: 2, rule: 'x' },
  ];
  const got = estimate(lines, t.fees, 'medicare-2026', trail);
  const want = (feeFor(t.fees, 'medicare-2026', '99215')?.cents ?? NaN) + 2 * (feeFor(t.fees, 'medicare-2026', 'G2212')?.cents ?? NaN);
  assert.equal(got, { currency: 'USD', cents: want });
  assert.equal(trail.flags, []);
  assert.ok(trail.rationale.some((r) => r.rule === 'fees'));
});

fees('a code without a fee counts 0 and warns', () => {
  const trail = new Trail();
  const got = estimate([{ code: '99999', modifiers: [], units: 1, rule: 'x' }], tables().fees, 'medicare-2026', trail);
  assert.is(got.cents, 0);
  assert.is(trail.flags[0]?.code, 'FEE_MISSING');
  assert.is(trail.flags[0]?.severity, 'warning');
});

fees('the decision amount follows a fee table edit', () => {
  const before = run({ totalMinutes: 20 }).estimatedAmount.cents;
  const t = editableTables();
  const row = t.fees.profiles['medicare-2026']?.['99213'];
  assert.ok(row);
  if (row) row.cents += 1234;
  assert.is(run({ totalMinutes: 20 }, t).estimatedAmount.cents, before + 1234);
});

fees.run();
