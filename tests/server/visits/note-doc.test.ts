import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import {
  addAssessmentCode,
  assessmentCodes,
  ensureCaseNote,
  noteToPlainText,
  readCaseNotes,
  readSection,
  removeAssessmentCode,
  SECTION_NAMES,
  sectionText,
} from '../../../server/visits/note-doc.ts';

const test = suite('visits/note-doc');
const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
const SNOMED = 'http://snomed.info/sct';

test('the SOAP sections, in order', () => {
  assert.equal([...SECTION_NAMES], ['chiefComplaint', 'hpi', 'ros', 'exam', 'assessment', 'plan']);
  assert.throws(() => sectionText(new Y.Doc(), 'billing' as never), TypeError);
});

test('plain text: titled non-empty sections, normalised line endings, codes, then cases', () => {
  const doc = new Y.Doc();
  sectionText(doc, 'chiefComplaint').insert(0, '  Cough for 3 weeks  ');
  sectionText(doc, 'hpi').insert(0, 'Dry cough.\r\nNo fever.\rWorse at night.');
  sectionText(doc, 'plan').insert(0, 'Chest X-ray.');
  assert.ok(addAssessmentCode(doc, { system: ICD10, code: 'R05.3', display: 'Chronic cough' }).ok);
  assert.is(
    noteToPlainText(doc),
    [
      'Chief complaint\nCough for 3 weeks',
      'History of present illness\nDry cough.\nNo fever.\nWorse at night.',
      'Plan\nChest X-ray.',
      `Coded assessment\n- R05.3 Chronic cough (${ICD10})`,
    ].join('\n\n'),
  );
  assert.is(noteToPlainText(new Y.Doc()), '');
});

test('tumor board case notes follow the agenda order, then unlisted ones by id', () => {
  const doc = new Y.Doc();
  ensureCaseNote(doc, 'c2').insert(0, 'Second case discussion.');
  ensureCaseNote(doc, 'c1').insert(0, 'First case discussion.');
  ensureCaseNote(doc, 'c9').insert(0, 'Added late.');
  ensureCaseNote(doc, 'c3');
  assert.is(
    noteToPlainText(doc, { cases: [{ id: 'c1', title: 'NSCLC stage III' }, { id: 'c2', title: 'HCC' }, { id: 'c3', title: 'empty' }] }),
    'Case NSCLC stage III (c1)\nFirst case discussion.\n\nCase HCC (c2)\nSecond case discussion.\n\nCase c9\nAdded late.',
  );
});

test('ensureCaseNote returns the existing text and does not replace it', () => {
  const doc = new Y.Doc();
  const first = ensureCaseNote(doc, 'c1');
  first.insert(0, 'keep me');
  let updates = 0;
  doc.on('update', () => updates++);
  assert.is(ensureCaseNote(doc, 'c1'), first);
  assert.is(updates, 0);
  assert.equal(readCaseNotes(doc), new Map([['c1', 'keep me']]));
});

test('two clinicians editing the same section concurrently converge', () => {
  const a = new Y.Doc();
  const b = new Y.Doc();
  sectionText(a, 'assessment').insert(0, 'Asthma.');
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
  sectionText(a, 'assessment').insert(7, ' Well controlled.');
  sectionText(b, 'assessment').insert(0, 'Likely ');
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  assert.is(readSection(a, 'assessment'), 'Likely Asthma. Well controlled.');
  assert.is(noteToPlainText(a), noteToPlainText(b));
});

test('assessment codes: validated, keyed by system|code, sorted, removable', () => {
  const doc = new Y.Doc();
  const bad: [string, string][] = [['not a uri', 'X'], [ICD10, ' J45'], [ICD10, ''], [ICD10, 'a  b']];
  for (const [system, code] of bad) {
    const r = addAssessmentCode(doc, { system, code });
    assert.not.ok(r.ok, `${system} ${code}`);
    if (!r.ok) assert.is(r.error.code, 'ERR_CODING_INVALID');
  }
  assert.ok(addAssessmentCode(doc, { system: SNOMED, code: '195967001', display: 'Asthma' }).ok);
  assert.ok(addAssessmentCode(doc, { system: ICD10, code: 'J45.909' }).ok);
  assert.ok(addAssessmentCode(doc, { system: ICD10, code: 'E11.9', display: 'Type 2 diabetes' }).ok);
  assert.ok(addAssessmentCode(doc, { system: ICD10, code: 'J45.909', display: 'Asthma, unspecified' }).ok);
  assert.equal(assessmentCodes(doc), [
    { system: ICD10, code: 'E11.9', display: 'Type 2 diabetes' },
    { system: ICD10, code: 'J45.909', display: 'Asthma, unspecified' },
    { system: SNOMED, code: '195967001', display: 'Asthma' },
  ]);
  assert.ok(removeAssessmentCode(doc, ICD10, 'E11.9'));
  assert.not.ok(removeAssessmentCode(doc, ICD10, 'E11.9'));
  assert.is(assessmentCodes(doc).length, 2);
  // Entries written by a client with the wrong shape or a mismatched key are ignored.
  doc.getMap('codes').set('x', { system: ICD10, code: 'Z00.0' });
  doc.getMap('codes').set(`${ICD10}|Q`, { system: ICD10 });
  assert.is(assessmentCodes(doc).length, 2);
});

test('the note survives an encode/load round trip', () => {
  const doc = new Y.Doc();
  for (const [i, name] of SECTION_NAMES.entries()) sectionText(doc, name).insert(0, `section ${i}`);
  ensureCaseNote(doc, 'c1').insert(0, 'case');
  addAssessmentCode(doc, { system: ICD10, code: 'J45.909' });
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  assert.is(noteToPlainText(copy), noteToPlainText(doc));
  assert.equal(assessmentCodes(copy), assessmentCodes(doc));
  assert.ok(noteToPlainText(copy).includes('Examination\nsection 3'));
});

test.run();
