/** The check-in answers parser: what is accepted, what is refused, and who dates the consent. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseIntake } from '../../../server/intake/model.ts';

const test = suite('intake model');
const NOW = new Date('2026-03-10T15:04:05.000Z');

test('accepts answers, trims them, and dates consent by the server clock', () => {
  const r = parseIntake({ insurance: { insurer: ' Acme ', memberId: 'A-1' }, intake: { reason: 'Cough ' }, consent: { telehealth: true, state: 'NY' } }, NOW);
  assert.equal(r, {
    ok: true,
    value: {
      insurance: { insurer: 'Acme', memberId: 'A-1' }, intake: { reason: 'Cough' },
      consent: { telehealth: true, state: 'NY', date: '2026-03-10', at: '2026-03-10T15:04:05.000Z' },
    },
  });
  const minimal = parseIntake({ consent: { telehealth: true, state: 'MA' } }, NOW);
  assert.ok(minimal.ok && minimal.value.insurance && Object.keys(minimal.value.insurance).length === 0);
});

test('refuses missing or false consent, unknown states, unknown fields and oversized text', () => {
  const cases: [unknown, string][] = [
    [undefined, ''], [{}, 'consent'], [{ consent: { telehealth: false, state: 'MA' } }, 'consent.telehealth'],
    [{ consent: { telehealth: true, state: 'XX' } }, 'consent.state'], [{ consent: { telehealth: true, state: 'MA', date: '2020-01-01' } }, 'consent'],
    [{ consent: { telehealth: true, state: 'MA' }, notes: 'x' }, ''], [{ consent: { telehealth: true, state: 'MA' }, intake: { reason: 'x'.repeat(4001) } }, 'intake.reason'],
  ];
  for (const [body, path] of cases) {
    const r = parseIntake(body, NOW);
    assert.is(r.ok, false, JSON.stringify(body)?.slice(0, 80));
    if (!r.ok) assert.ok(r.fields.some((f) => f.path === path), `${path}: ${JSON.stringify(r.fields)}`);
  }
});

test.run();
