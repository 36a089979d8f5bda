import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Facts } from '../../../server/billing/facts.ts';
import { flagCodes, run } from './fixtures.ts';

type Rx = NonNullable<Facts['prescriptions']>[number];
const AUDIO = { audioOnlyReason: 'no video', consents: { telehealth: { date: '2026-01-10', state: 'TX' as const }, audioOnly: { date: '2026-01-10' } } };

const dea = suite('dea: controlled prescriptions under the 2026 telemedicine rules');

const CASES: [label: string, modality: 'video' | 'audio', rx: Rx, flagged: boolean][] = [
  ['video, Schedule II', 'video', { drug: 'methylphenidate', schedule: 'II' }, false],
  ['video, Schedule IV', 'video', { drug: 'alprazolam', schedule: 'IV' }, false],
  ['audio, Schedule II', 'audio', { drug: 'methylphenidate', schedule: 'II' }, true],
  ['audio, Schedule III for opioid use disorder', 'audio', { drug: 'buprenorphine', schedule: 'III', forOpioidUseDisorder: true }, false],
  ['audio, Schedule III not for OUD', 'audio', { drug: 'testosterone', schedule: 'III' }, true],
  ['audio, Schedule IV not for OUD', 'audio', { drug: 'zolpidem', schedule: 'IV' }, true],
  ['audio, Schedule V for OUD', 'audio', { drug: 'oud-drug', schedule: 'V', forOpioidUseDisorder: true }, false],
  ['non-controlled drug is not checked', 'audio', { drug: 'lisinopril' }, false],
];
for (const [label, modality, rx, flagged] of CASES) {
  dea(`${label} → ${flagged ? 'flag' : 'ok'}`, () => {
    const d = run({ modality, totalMinutes: 20, prescriptions: [rx], ...(modality === 'audio' ? AUDIO : {}) });
    const f = d.flags.find((x) => x.code === 'DEA_TELEPRESCRIBING');
    assert.is(Boolean(f), flagged);
    if (f) {
      assert.is(f.severity, 'warning', 'a prescribing flag, not a billing block');
      assert.match(f.message, new RegExp(rx.drug));
    }
    if (rx.schedule && !flagged) assert.ok(d.rationale.some((r) => r.rule === 'dea' && r.source?.includes('90 FR 61301')));
  });
}

dea('after 31 Dec 2026 the flexibility no longer covers a video prescription', () => {
  const d = run(
    { totalMinutes: 20, date: '2027-01-04', consents: { telehealth: { date: '2026-12-01', state: 'TX' } }, prescriptions: [{ drug: 'methylphenidate', schedule: 'II' }] },
    undefined,
    new Date('2027-01-05T00:00:00Z'),
  );
  const f = d.flags.find((x) => x.code === 'DEA_TELEPRESCRIBING');
  assert.match(f?.message ?? '', /in-person/);
});

dea('31 Dec 2026 is still inside the window', () => {
  const d = run(
    { totalMinutes: 20, date: '2026-12-31', consents: { telehealth: { date: '2026-12-01', state: 'TX' } }, prescriptions: [{ drug: 'methylphenidate', schedule: 'II' }] },
    undefined,
    new Date('2027-01-05T00:00:00Z'),
  );
  assert.not.ok(flagCodes(d).includes('DEA_TELEPRESCRIBING'));
});

dea('a prior in-person evaluation removes the need for the exception', () => {
  const d = run({ modality: 'audio', totalMinutes: 20, priorInPersonExam: true, prescriptions: [{ drug: 'methylphenidate', schedule: 'II' }], ...AUDIO });
  assert.not.ok(flagCodes(d).includes('DEA_TELEPRESCRIBING'));
  assert.ok(d.rationale.some((r) => r.rule === 'dea' && r.because.includes('in-person')));
});

dea('DEA flags never change the billing lines or billability', () => {
  const d = run({ modality: 'audio', totalMinutes: 20, prescriptions: [{ drug: 'methylphenidate', schedule: 'II' }], ...AUDIO });
  assert.equal(d.lines.map((l) => l.code), ['99213']);
  assert.is(d.billable, true);
});

dea.run();
