import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import type { DocumentReference, Encounter, Patient, Reference } from '@medplum/fhirtypes';
import { attachmentHash, NOTE_TYPE, toDocumentReference } from '../../../server/fhir/document-reference.ts';
import { isFhirMappingError } from '../../../server/fhir/errors.ts';
import { loadFhirDefinitions, validateFhir } from '../../../server/fhir/validate.ts';
import { note, SYSTEM_BASE } from './fixtures.ts';

const test = suite('fhir/document-reference');
const opts = { systemBase: SYSTEM_BASE };
const ENC: Reference<Encounter> = { reference: 'Encounter/42' };
const PAT: Reference<Patient> = { reference: 'Patient/123' };

function nonInfo(doc: DocumentReference) {
  return validateFhir(doc).filter((i) => i.severity !== 'information');
}

test('a signed note yields a current, final DocumentReference that passes validation', () => {
  const doc = toDocumentReference(note(), ENC, PAT, opts);
  assert.equal(nonInfo(doc), []);
  assert.is(doc.status, 'current');
  assert.is(doc.docStatus, 'final');
  assert.equal(doc.subject, PAT);
  assert.equal(doc.context?.encounter, [ENC]);
  assert.is(doc.date, '2026-03-02T14:40:00Z');
  assert.equal(doc.identifier, [{ use: 'official', system: `${SYSTEM_BASE}/note`, value: 'v-1001' }]);
  assert.equal(doc.author, [{ reference: 'Practitioner/9', display: 'Dr. A' }]);
  assert.equal(doc.category?.[0]?.coding?.[0], {
    system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
    code: 'clinical-note',
    display: 'Clinical Note',
  });
});

// visit kind -> LOINC document type
const TYPE_TABLE = [
  ['one-to-one', '11506-3'],
  ['group-therapy', '47043-5'],
  ['tumor-board', '34098-4'],
] as const;

test('the type is a LOINC document code from R4 c80-doc-typecodes, chosen by visit kind', () => {
  const c80 = loadFhirDefinitions().terminology.expand('http://hl7.org/fhir/ValueSet/c80-doc-typecodes')?.get('http://loinc.org');
  assert.ok(c80);
  for (const [kind, code] of TYPE_TABLE) {
    const doc = toDocumentReference(note({ kind }), ENC, PAT, opts);
    assert.equal(doc.type?.coding, [NOTE_TYPE[kind]]);
    assert.is(doc.type?.coding?.[0]?.system, 'http://loinc.org');
    assert.is(doc.type?.coding?.[0]?.code, code);
    assert.ok(c80.has(code), `${code} in c80-doc-typecodes`);
    assert.equal(nonInfo(doc), []);
  }
});

test('attachment: utf-8 text/plain, base64 data, byte size and SHA-1 hash all match the note', () => {
  for (const text of ['plain ascii', note().text, 'emoji 🩺 and line\r\nbreaks', 'x'.repeat(100_000)]) {
    const doc = toDocumentReference(note({ text }), ENC, PAT, opts);
    const a = doc.content[0]?.attachment;
    assert.is(a?.contentType, 'text/plain; charset=utf-8');
    const bytes = Buffer.from(a?.data ?? '', 'base64');
    assert.is(bytes.toString('utf8'), text);
    assert.is(a?.size, Buffer.byteLength(text, 'utf8'));
    assert.is(a?.hash, createHash('sha1').update(text, 'utf8').digest('base64'));
    assert.equal(nonInfo(doc), []);
  }
});

test('attachmentHash is base64 SHA-1 (FIPS 180 test vector "abc")', () => {
  // SHA-1("abc") = a9993e36 4706816a ba3e2571 7850c26c 9cd0d89d (FIPS 180-2, appendix A.1)
  const expected = Buffer.from('a9993e364706816aba3e25717850c26c9cd0d89d', 'hex').toString('base64');
  assert.is(attachmentHash(Buffer.from('abc')), expected);
});

test('the validator catches a hash or size that does not match the data', () => {
  const doc = toDocumentReference(note(), ENC, PAT, opts);
  const att = doc.content[0]?.attachment;
  assert.ok(att);
  const tampered: DocumentReference = { ...doc, content: [{ attachment: { ...att, data: Buffer.from('edited later').toString('base64') } }] };
  const codes = validateFhir(tampered).filter((i) => i.severity === 'error').map((i) => `${i.code} ${i.path}`);
  assert.ok(codes.includes('ERR_FHIR_ATTACHMENT_MISMATCH DocumentReference.content[0].attachment.hash'), codes.join('\n'));
  assert.ok(codes.includes('ERR_FHIR_ATTACHMENT_MISMATCH DocumentReference.content[0].attachment.size'), codes.join('\n'));
});

test('authors without an EHR id are logical Practitioner references', () => {
  const doc = toDocumentReference(note({ authors: [{ id: 'clin-2', display: 'Dr. B' }] }), ENC, PAT, opts);
  assert.equal(doc.author, [
    { type: 'Practitioner', identifier: { use: 'official', system: `${SYSTEM_BASE}/participant`, value: 'clin-2' }, display: 'Dr. B' },
  ]);
  assert.equal(nonInfo(doc), []);
});

test('a note without authors or text is refused', () => {
  for (const bad of [note({ authors: [] }), note({ text: '' }), note({ date: '2026-03-02' })]) {
    try {
      toDocumentReference(bad, ENC, PAT, opts);
      assert.unreachable('should throw');
    } catch (e) {
      assert.ok(isFhirMappingError(e));
      assert.is(e.code, 'ERR_FHIR_INPUT_INVALID');
    }
  }
});

test('the validator flags a missing subject, missing encounter and a bad docStatus', () => {
  const doc = toDocumentReference(note(), ENC, PAT, opts);
  const { subject: _s, context: _c, ...rest } = doc;
  const bad = { ...rest, docStatus: 'draft' } as unknown as DocumentReference;
  const found = validateFhir(bad).filter((i) => i.severity === 'error').map((i) => `${i.code} ${i.path}`);
  assert.ok(found.includes('ERR_FHIR_MISSING_ELEMENT DocumentReference.subject'), found.join('\n'));
  assert.ok(found.includes('ERR_FHIR_MISSING_ELEMENT DocumentReference.context.encounter'), found.join('\n'));
  assert.ok(found.includes('ERR_FHIR_CODE_NOT_IN_VALUESET DocumentReference.docStatus'), found.join('\n'));
});

test.run();
