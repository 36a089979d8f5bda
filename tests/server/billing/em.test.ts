import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mdmFromElements } from '../../../server/billing/em.ts';
import { DATA_LEVELS, PROBLEM_LEVELS, RISK_LEVELS } from '../../../server/billing/facts.ts';
import { MDM_LEVELS } from '../../../server/billing/types.ts';
import { codes, flagCodes, line, run } from './fixtures.ts';

const mdm = suite('em: MDM from elements (2 of 3)');

// Independent formulation: the highest level that at least two elements reach.
function oracle(ranks: number[]): string {
  let best = 0;
  for (let level = 0; level < 4; level++) if (ranks.filter((r) => r >= level).length >= 2) best = level;
  return MDM_LEVELS[best] ?? '';
}

mdm('every combination of the three elements matches "highest level met by two"', () => {
  let n = 0;
  PROBLEM_LEVELS.forEach((problems, p) => DATA_LEVELS.forEach((data, d) => RISK_LEVELS.forEach((risk, r) => {
    assert.is(mdmFromElements({ problems, data, risk }), oracle([p, d, r]), `${problems}/${data}/${risk}`);
    n++;
  })));
  assert.is(n, 64);
});

const ELEMENT_CASES: [Parameters<typeof mdmFromElements>[0], string][] = [
  [{ problems: 'high', data: 'extensive', risk: 'minimal' }, 'high'],
  [{ problems: 'high', data: 'minimal', risk: 'minimal' }, 'straightforward'],
  [{ problems: 'moderate', data: 'limited', risk: 'high' }, 'moderate'],
  [{ problems: 'low', data: 'extensive', risk: 'minimal' }, 'low'],
  [{ problems: 'moderate', data: 'moderate', risk: 'low' }, 'moderate'],
  [{ problems: 'high', risk: 'moderate' }, 'moderate'], // missing data counts as minimal
  [{ risk: 'high' }, 'straightforward'],
];
for (const [el, want] of ELEMENT_CASES) {
  mdm(`${JSON.stringify(el)} → ${want}`, () => assert.is(mdmFromElements(el), want));
}

mdm('elements win over a stated MDM that disagrees, with a warning', () => {
  const d = run({ mdm: 'high', mdmElements: { problems: 'moderate', data: 'moderate', risk: 'low' } });
  assert.equal(codes(d), ['99214']);
  assert.ok(flagCodes(d).includes('MDM_MISMATCH'));
  assert.is(d.mdmLevel, 'moderate');
});

const time = suite('em: time thresholds, met or exceeded');

type Row = [minutes: number, code: string | null];
const THRESHOLDS: { payer: string; status: 'new' | 'established'; modality: 'video' | 'audio'; rows: Row[] }[] = [
  { payer: 'medicare-2026', status: 'new', modality: 'video', rows: [[14, null], [15, '99202'], [29, '99202'], [30, '99203'], [44, '99203'], [45, '99204'], [59, '99204'], [60, '99205']] },
  { payer: 'medicare-2026', status: 'established', modality: 'video', rows: [[9, null], [10, '99212'], [19, '99212'], [20, '99213'], [29, '99213'], [30, '99214'], [39, '99214'], [40, '99215']] },
  { payer: 'medicare-2026', status: 'established', modality: 'audio', rows: [[29, '99213'], [30, '99214']] },
  { payer: 'cpt-telemedicine-2026', status: 'new', modality: 'video', rows: [[14, null], [15, '98000'], [29, '98000'], [30, '98001'], [44, '98001'], [45, '98002'], [59, '98002'], [60, '98003']] },
  { payer: 'cpt-telemedicine-2026', status: 'established', modality: 'video', rows: [[9, null], [10, '98004'], [19, '98004'], [20, '98005'], [29, '98005'], [30, '98006'], [39, '98006'], [40, '98007']] },
  { payer: 'cpt-telemedicine-2026', status: 'new', modality: 'audio', rows: [[14, null], [15, '98008'], [29, '98008'], [30, '98009'], [44, '98009'], [45, '98010'], [59, '98010'], [60, '98011']] },
  { payer: 'cpt-telemedicine-2026', status: 'established', modality: 'audio', rows: [[9, null], [10, '98012'], [19, '98012'], [20, '98013'], [29, '98013'], [30, '98014'], [39, '98014'], [40, '98015']] },
];
for (const t of THRESHOLDS) {
  for (const [minutes, want] of t.rows) {
    time(`${t.payer} ${t.status} ${t.modality} ${minutes} min → ${want ?? 'no level'}`, () => {
      const d = run({
        payer: t.payer, patientStatus: t.status, modality: t.modality, totalMinutes: minutes,
        audioOnlyReason: 'patient has no camera', medicalDiscussionMinutes: 11,
        consents: { telehealth: { date: '2026-01-10', state: 'TX' }, audioOnly: { date: '2026-01-10' } },
      });
      if (want === null) {
        assert.equal(codes(d), []);
        assert.ok(flagCodes(d).includes('EM_NOT_SUPPORTED'));
        assert.is(d.billable, false);
      } else {
        assert.is(codes(d)[0], want);
        assert.is(d.emLevelBasis, 'time');
        assert.is(d.billable, true, JSON.stringify(d.flags));
      }
    });
  }
}

time('99211 is never chosen by time: established, 5 min, no MDM', () => {
  const d = run({ totalMinutes: 5 });
  assert.equal(codes(d), []);
  assert.ok(d.rationale.some((r) => r.rule === 'em.level.time' && r.because.includes('99211 is never selected by time')));
});

const choice = suite('em: MDM vs time, whichever is higher');

const CHOICES: [label: string, over: Parameters<typeof run>[0], code: string, basis: 'mdm' | 'time'][] = [
  ['MDM higher (moderate, 12 min)', { mdm: 'moderate', totalMinutes: 12 }, '99214', 'mdm'],
  ['time higher (low MDM, 41 min)', { mdm: 'low', totalMinutes: 41 }, '99215', 'time'],
  ['tie goes to time (moderate, 30 min)', { mdm: 'moderate', totalMinutes: 30 }, '99214', 'time'],
  ['MDM only (no time documented)', { mdm: 'high' }, '99215', 'mdm'],
  ['time only (no MDM documented)', { totalMinutes: 25 }, '99213', 'time'],
  ['new patient by MDM', { patientStatus: 'new', mdm: 'low', totalMinutes: 16 }, '99203', 'mdm'],
  ['new vs established at the same facts', { patientStatus: 'new', totalMinutes: 30 }, '99203', 'time'],
];
for (const [label, over, code, basis] of CHOICES) {
  choice(label, () => {
    const d = run(over);
    assert.is(codes(d)[0], code);
    assert.is(d.emLevelBasis, basis);
    assert.ok(d.rationale.some((r) => r.rule === 'em.level' && r.because.includes(`by ${basis}`)));
  });
}

choice('missing MDM says the level can only be chosen by time', () => {
  const d = run({ totalMinutes: 25 });
  assert.ok(d.rationale.some((r) => r.rule === 'em.mdm' && r.because.includes('only be chosen by total time')));
});

choice('neither MDM nor time documented blocks with EM_NOT_SUPPORTED', () => {
  const d = run({});
  assert.equal(codes(d), []);
  assert.ok(flagCodes(d).includes('EM_NOT_SUPPORTED'));
});

const prolonged = suite('em: prolonged time (G2212 Medicare, 99417 CPT)');

const PROLONGED: [payer: string, status: 'new' | 'established', modality: 'video' | 'audio', minutes: number, base: string, add: string, units: number][] = [
  ['medicare-2026', 'new', 'video', 88, '99205', 'G2212', 0],
  ['medicare-2026', 'new', 'video', 89, '99205', 'G2212', 1],
  ['medicare-2026', 'new', 'video', 103, '99205', 'G2212', 1],
  ['medicare-2026', 'new', 'video', 104, '99205', 'G2212', 2],
  ['medicare-2026', 'established', 'video', 68, '99215', 'G2212', 0],
  ['medicare-2026', 'established', 'video', 69, '99215', 'G2212', 1],
  ['medicare-2026', 'established', 'video', 83, '99215', 'G2212', 1],
  ['medicare-2026', 'established', 'video', 84, '99215', 'G2212', 2],
  ['cpt-telemedicine-2026', 'new', 'video', 74, '98003', '99417', 0],
  ['cpt-telemedicine-2026', 'new', 'video', 75, '98003', '99417', 1],
  ['cpt-telemedicine-2026', 'new', 'video', 89, '98003', '99417', 1],
  ['cpt-telemedicine-2026', 'new', 'video', 90, '98003', '99417', 2],
  ['cpt-telemedicine-2026', 'established', 'video', 54, '98007', '99417', 0],
  ['cpt-telemedicine-2026', 'established', 'video', 55, '98007', '99417', 1],
  ['cpt-telemedicine-2026', 'established', 'video', 69, '98007', '99417', 1],
  ['cpt-telemedicine-2026', 'established', 'video', 70, '98007', '99417', 2],
  ['cpt-telemedicine-2026', 'new', 'audio', 75, '98011', '99417', 1],
  ['cpt-telemedicine-2026', 'established', 'audio', 54, '98015', '99417', 0],
  ['cpt-telemedicine-2026', 'established', 'audio', 55, '98015', '99417', 1],
];
for (const [payer, status, modality, minutes, base, add, units] of PROLONGED) {
  prolonged(`${payer} ${status} ${modality} ${minutes} min → ${base} + ${units} × ${add}`, () => {
    const d = run({
      payer, patientStatus: status, modality, totalMinutes: minutes, medicalDiscussionMinutes: 30,
      audioOnlyReason: 'declined video', consents: { telehealth: { date: '2026-01-10', state: 'TX' }, audioOnly: { date: '2026-01-10' } },
    });
    assert.is(codes(d)[0], base);
    assert.is(line(d, add)?.units ?? 0, units);
    // Medicare never takes 99417; the CPT profile never takes G2212.
    assert.not.ok(line(d, payer === 'medicare-2026' ? '99417' : 'G2212'));
  });
}

prolonged('no prolonged units when the top level was chosen by MDM', () => {
  const d = run({ mdm: 'high', totalMinutes: 30 });
  assert.equal(codes(d), ['99215']);
  assert.is(d.emLevelBasis, 'mdm');
  assert.ok(d.rationale.some((r) => r.rule === 'em.prolonged' && r.because.includes('chosen by MDM')));
});

const addon = suite('em: G2211 longitudinal care add-on');

addon('Medicare adds G2211 when longitudinal care is documented', () => {
  const d = run({ totalMinutes: 25, longitudinalCare: true });
  assert.equal(codes(d), ['99213', 'G2211']);
  assert.equal(line(d, 'G2211')?.modifiers, []);
});

addon('no G2211 without longitudinal care', () => {
  assert.equal(codes(run({ totalMinutes: 25 })), ['99213']);
});

addon('the CPT telemedicine profile has no G2211 and says so', () => {
  const d = run({ payer: 'cpt-telemedicine-2026', totalMinutes: 25, longitudinalCare: true });
  assert.equal(codes(d), ['98005']);
  assert.ok(d.rationale.some((r) => r.rule === 'em.longitudinal' && r.because.includes('no complexity add-on')));
});

const audio = suite('em: audio-only CPT codes need > 10 min of medical discussion');

const cptAudio = (discussion: number | undefined) => run({
  payer: 'cpt-telemedicine-2026', modality: 'audio', totalMinutes: 25, audioOnlyReason: 'no broadband',
  consents: { telehealth: { date: '2026-01-10', state: 'TX' }, audioOnly: { date: '2026-01-10' } },
  ...(discussion === undefined ? {} : { medicalDiscussionMinutes: discussion }),
});

audio('10 min of discussion blocks the code', () => {
  const d = cptAudio(10);
  assert.equal(codes(d), []);
  assert.ok(flagCodes(d).includes('AUDIO_DISCUSSION_TOO_SHORT'));
  assert.is(d.billable, false);
});
audio('11 min of discussion codes 98013', () => {
  const d = cptAudio(11);
  assert.equal(codes(d), ['98013']);
  assert.is(d.billable, true);
});
audio('undocumented discussion warns but keeps the line', () => {
  const d = cptAudio(undefined);
  assert.equal(codes(d), ['98013']);
  assert.ok(d.flags.some((f) => f.code === 'AUDIO_DISCUSSION_UNDOCUMENTED' && f.severity === 'warning'));
});

mdm.run();
time.run();
choice.run();
prolonged.run();
addon.run();
audio.run();
