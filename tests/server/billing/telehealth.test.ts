import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { codes, editableTables, flagCodes, line, run } from './fixtures.ts';

const AUDIO_CONSENTS = { telehealth: { date: '2026-01-10', state: 'TX' as const }, audioOnly: { date: '2026-01-10' } };

const pos = suite('telehealth: place of service');

const POS_CASES: [payer: string, setting: 'home' | 'other', want: string][] = [
  ['medicare-2026', 'home', '10'],
  ['medicare-2026', 'other', '02'],
  ['cpt-telemedicine-2026', 'home', '10'],
  ['cpt-telemedicine-2026', 'other', '02'],
];
for (const [payer, setting, want] of POS_CASES) {
  pos(`${payer}, patient ${setting} → POS ${want}`, () => {
    const d = run({ payer, totalMinutes: 20, patientLocation: { state: 'TX', setting } });
    assert.is(d.pos, want);
    assert.ok(d.rationale.some((r) => r.rule === 'pos' && r.because.includes(want) && r.source));
  });
}

const mods = suite('telehealth: modality modifiers');

const MOD_CASES: [payer: string, modality: 'video' | 'audio', base: string, modifiers: string[]][] = [
  ['medicare-2026', 'video', '99213', ['95']],
  ['medicare-2026', 'audio', '99213', ['93']],
  ['cpt-telemedicine-2026', 'video', '98005', []],
  ['cpt-telemedicine-2026', 'audio', '98013', []],
];
for (const [payer, modality, base, modifiers] of MOD_CASES) {
  mods(`${payer} ${modality} → ${base} [${modifiers.join(',')}]`, () => {
    const d = run({ payer, modality, totalMinutes: 25, medicalDiscussionMinutes: 15, audioOnlyReason: 'patient declined video', consents: AUDIO_CONSENTS });
    assert.is(codes(d)[0], base);
    assert.equal(line(d, base)?.modifiers, modifiers);
    assert.ok(d.rationale.some((r) => r.rule === 'modifier.modality'));
  });
}

mods('Medicare puts the modifier on G2212 but not on G2211', () => {
  const d = run({ totalMinutes: 70, longitudinalCare: true });
  assert.equal(codes(d), ['99215', 'G2212', 'G2211']);
  assert.equal(line(d, 'G2212')?.modifiers, ['95']);
  assert.equal(line(d, 'G2211')?.modifiers, []);
});

const audio = suite('telehealth: audio-only needs a documented reason');

audio('Medicare: missing reason blocks', () => {
  const d = run({ modality: 'audio', totalMinutes: 25, consents: AUDIO_CONSENTS });
  const f = d.flags.find((x) => x.code === 'AUDIO_ONLY_REASON_MISSING');
  assert.is(f?.severity, 'blocking');
  assert.is(d.billable, false);
  assert.equal(codes(d), ['99213'], 'the proposed line stays visible');
});

audio('CPT telemedicine: missing reason warns', () => {
  const d = run({ payer: 'cpt-telemedicine-2026', modality: 'audio', totalMinutes: 25, medicalDiscussionMinutes: 15, consents: AUDIO_CONSENTS });
  assert.is(d.flags.find((x) => x.code === 'AUDIO_ONLY_REASON_MISSING')?.severity, 'warning');
  assert.is(d.billable, true);
});

audio('a documented reason is quoted in the rationale', () => {
  const d = run({ modality: 'audio', totalMinutes: 25, audioOnlyReason: 'no camera at home', consents: AUDIO_CONSENTS });
  assert.not.ok(flagCodes(d).includes('AUDIO_ONLY_REASON_MISSING'));
  assert.ok(d.rationale.some((r) => r.rule === 'audio-only' && r.because.includes('no camera at home')));
  assert.is(d.billable, true);
});

audio('video visits are not checked for an audio-only reason', () => {
  const d = run({ totalMinutes: 25 });
  assert.not.ok(d.rationale.some((r) => r.rule === 'audio-only'));
});

const checkin = suite('telehealth: brief virtual check-in (98016)');

const CHECKIN: [minutes: number, billed: boolean, flag: string | null][] = [
  [4, false, 'CHECKIN_TOO_SHORT'],
  [5, true, null],
  [10, true, null],
  [11, true, 'CHECKIN_TOO_LONG'],
];
for (const payer of ['medicare-2026', 'cpt-telemedicine-2026']) {
  for (const [minutes, billed, flag] of CHECKIN) {
    checkin(`${payer}: ${minutes} min of discussion → ${billed ? '98016' : 'nothing'}${flag ? ` + ${flag}` : ''}`, () => {
      const d = run({ payer, service: 'check-in', medicalDiscussionMinutes: minutes });
      assert.equal(codes(d), billed ? ['98016'] : []);
      if (flag) assert.ok(flagCodes(d).includes(flag));
      else assert.equal(d.flags, []);
      assert.is(d.pos, null);
      if (billed) assert.equal(line(d, '98016')?.modifiers, [], 'not a telehealth service: no 95/93');
    });
  }
}

checkin('new patients cannot have a check-in', () => {
  const d = run({ service: 'check-in', patientStatus: 'new', medicalDiscussionMinutes: 8 });
  assert.equal(codes(d), []);
  assert.ok(flagCodes(d).includes('CHECKIN_NEW_PATIENT'));
});

checkin('Medicare 98016 needs consent renewed yearly even when neither state law nor clinic policy does', () => {
  const t = editableTables();
  t.stateRules.clinicPolicy.consentRenewalDays = null;
  const consents = { telehealth: { date: '2025-06-14', state: 'TX' as const } }; // 366 days before
  const medicare = run({ service: 'check-in', medicalDiscussionMinutes: 8, consents }, t);
  assert.ok(flagCodes(medicare).includes('CONSENT_EXPIRED'));
  const cpt = run({ payer: 'cpt-telemedicine-2026', service: 'check-in', medicalDiscussionMinutes: 8, consents }, t);
  assert.not.ok(flagCodes(cpt).includes('CONSENT_EXPIRED'));
  const visit = run({ totalMinutes: 20, consents }, t);
  assert.not.ok(flagCodes(visit).includes('CONSENT_EXPIRED'), 'the payer limit applies to the check-in only');
});

pos.run();
mods.run();
audio.run();
checkin.run();
