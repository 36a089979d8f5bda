import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Facts } from '../../../server/billing/facts.ts';
import { codes, flagCodes, line, PROFILES, run } from './fixtures.ts';

// RPM on a claim without a visit, with consent on file.
const rpm = (r: NonNullable<Facts['rpm']>, payer: string = 'medicare-2026', consent = true) =>
  run({ service: 'none', payer, rpm: r, consents: consent ? { rpm: { date: '2026-01-10' } } : {} });

const device = suite('rpm: device supply by days of data');

const DAYS: [days: number, code: string | null][] = [[0, null], [1, null], [2, '99445'], [15, '99445'], [16, '99454'], [30, '99454']];
for (const payer of PROFILES) {
  for (const [days, want] of DAYS) {
    device(`${payer}: ${days} days → ${want ?? 'nothing'}`, () => {
      const d = rpm({ deviceDays: days }, payer);
      assert.equal(codes(d), want ? [want] : []);
      assert.ok(d.rationale.some((r) => r.rule === 'rpm.device'));
      if (want) assert.is(d.billable, true);
    });
  }
}

const mgmt = suite('rpm: treatment management by minutes');

const MINUTES: [minutes: number, want: string[], addUnits: number][] = [
  [9, [], 0],
  [10, ['99470'], 0],
  [19, ['99470'], 0],
  [20, ['99457'], 0],
  [39, ['99457'], 0],
  [40, ['99457', '99458'], 1],
  [59, ['99457', '99458'], 1],
  [60, ['99457', '99458'], 2],
];
for (const payer of PROFILES) {
  for (const [minutes, want, units] of MINUTES) {
    mgmt(`${payer}: ${minutes} min → ${want.join(' + ') || 'nothing'}`, () => {
      const d = rpm({ managementMinutes: minutes, interactiveContact: true }, payer);
      assert.equal(codes(d), want);
      if (units > 0) assert.is(line(d, '99458')?.units, units);
      assert.not.ok(codes(d).includes('99457') && codes(d).includes('99470'), '99457 and 99470 never together');
    });
  }
}

mgmt('management without a documented interactive contact is not billed and warns', () => {
  const d = rpm({ managementMinutes: 25 });
  assert.equal(codes(d), []);
  assert.is(d.flags.find((f) => f.code === 'RPM_NO_INTERACTIVE_CONTACT')?.severity, 'warning');
});

const setup = suite('rpm: set-up 99453');

setup('needs 2 days of data', () => {
  assert.equal(codes(rpm({ setupAndEducation: true, deviceDays: 1 })), []);
  assert.equal(codes(rpm({ setupAndEducation: true, deviceDays: 2 })), ['99453', '99445']);
});

setup('only once per episode: already billed → not again', () => {
  const d = rpm({ setupAndEducation: true, deviceDays: 20, alreadyBilled: ['99453'] });
  assert.equal(codes(d), ['99454']);
  assert.ok(flagCodes(d).includes('RPM_EXCLUSIVE'));
});

const excl = suite('rpm: exclusive pairs in one period');

const EXCLUSIVE: [label: string, r: NonNullable<Facts['rpm']>, want: string[]][] = [
  ['99454 already billed, 10 days now → no 99445', { deviceDays: 10, alreadyBilled: ['99454'] }, []],
  ['99445 already billed, 20 days now → no 99454', { deviceDays: 20, alreadyBilled: ['99445'] }, []],
  ['99457 already billed, 15 min now → no 99470', { managementMinutes: 15, interactiveContact: true, alreadyBilled: ['99457'] }, []],
  ['99470 already billed, 45 min now → no 99457/99458', { managementMinutes: 45, interactiveContact: true, alreadyBilled: ['99470'] }, []],
  ['unrelated code billed does not exclude', { deviceDays: 20, alreadyBilled: ['99490'] }, ['99454']],
];
for (const [label, r, want] of EXCLUSIVE) {
  excl(label, () => {
    const d = rpm(r);
    assert.equal(codes(d), want);
    assert.is(flagCodes(d).includes('RPM_EXCLUSIVE'), want.length === 0);
  });
}

excl('within one decision only one code of each pair is coded, with the partner named', () => {
  const d = rpm({ deviceDays: 16, managementMinutes: 20, interactiveContact: true });
  assert.equal(codes(d), ['99454', '99457']);
  assert.ok(d.rationale.some((x) => x.rule === 'rpm.device' && x.because.includes('not with 99445')));
  assert.ok(d.rationale.some((x) => x.rule === 'rpm.management' && x.because.includes('not with 99470')));
});

const consent = suite('rpm: consent');

consent('missing RPM consent blocks', () => {
  const d = rpm({ deviceDays: 20 }, 'medicare-2026', false);
  assert.is(d.flags.find((f) => f.code === 'RPM_CONSENT_MISSING')?.severity, 'blocking');
  assert.is(d.billable, false);
});

device.run();
mgmt.run();
setup.run();
excl.run();
consent.run();
