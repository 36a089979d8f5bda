/**
 * The note document (`visit/<id>/note`): the clinical note, co-edited live by the care team.
 *
 * Top-level types (names are part of the wire contract with the web client's editors):
 *   chiefComplaint, hpi, ros, exam, assessment, plan   Y.Text, one per SOAP section
 *   cases     Y.Map caseId → Y.Text   per-case notes of a tumor board
 *   codes     Y.Map `${system}|${code}` → {system, code, display?}   the coded assessment
 *   authors   Y.Map String(clientID) → userId   (note-authors.ts)
 *
 * Sections are top-level types on purpose: two clients that both "create" a top-level Y.Text get
 * the same type, whereas two clients that each put a new Y.Text under the same map key race, and
 * the loser's text is silently dropped. Case notes do live under a map key, so they must be
 * created by one writer: the server calls `ensureCaseNote` when a case is added to the agenda.
 *
 * Clinicians write this document directly, so readers accept only the expected shapes and skip
 * anything else instead of failing.
 */
import * as Y from 'yjs';
import { fail, ok, type Result } from './errors.ts';

export const SECTION_NAMES = ['chiefComplaint', 'hpi', 'ros', 'exam', 'assessment', 'plan'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

export const SECTION_TITLES: Readonly<Record<SectionName, string>> = {
  chiefComplaint: 'Chief complaint',
  hpi: 'History of present illness',
  ros: 'Review of systems',
  exam: 'Examination',
  assessment: 'Assessment',
  plan: 'Plan',
};

export const NOTE_TYPES = { cases: 'cases', codes: 'codes', authors: 'authors' } as const;

export function sectionText(doc: Y.Doc, name: SectionName): Y.Text {
  if (!SECTION_NAMES.includes(name)) throw new TypeError(`unknown note section ${String(name)}`);
  return doc.getText(name);
}

export function readSection(doc: Y.Doc, name: SectionName): string {
  return sectionText(doc, name).toString();
}

export function caseNotesMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(NOTE_TYPES.cases);
}

/** The text of a case, created if missing. Call it from the single writer (the server). */
export function ensureCaseNote(doc: Y.Doc, caseId: string, origin?: unknown): Y.Text {
  const cases = caseNotesMap(doc);
  const existing = cases.get(caseId);
  if (existing instanceof Y.Text) return existing;
  const text = new Y.Text();
  doc.transact(() => cases.set(caseId, text), origin);
  return text;
}

/** Case notes that have a proper Y.Text, by case id. */
export function readCaseNotes(doc: Y.Doc): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, value] of caseNotesMap(doc).entries()) if (value instanceof Y.Text) out.set(id, value.toString());
  return out;
}

export interface Coding {
  system: string;
  code: string;
  display?: string;
}

const URI = /^(https?:\/\/|urn:)\S+$/;
/** FHIR's `code` type: no leading or trailing whitespace, single spaces only. */
const CODE = /^\S+( \S+)*$/;

function isCoding(value: unknown): value is Coding {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.system === 'string' && URI.test(v.system) &&
    typeof v.code === 'string' && CODE.test(v.code) && v.code.length <= 100 &&
    (v.display === undefined || (typeof v.display === 'string' && v.display.length > 0 && v.display.length <= 200))
  );
}

function codingKey(system: string, code: string): string {
  return `${system}|${code}`;
}

/** Adds (or updates the display of) a code of the assessment, e.g. ICD-10-CM or SNOMED CT. */
export function addAssessmentCode(doc: Y.Doc, coding: Coding): Result<void, 'ERR_CODING_INVALID'> {
  const clean: Coding = { system: coding.system, code: coding.code, ...(coding.display !== undefined ? { display: coding.display } : {}) };
  if (!isCoding(clean)) return fail('ERR_CODING_INVALID', 'a coding needs an absolute URI system and a FHIR code');
  doc.transact(() => doc.getMap(NOTE_TYPES.codes).set(codingKey(clean.system, clean.code), clean));
  return ok(undefined);
}

export function removeAssessmentCode(doc: Y.Doc, system: string, code: string): boolean {
  const codes = doc.getMap(NOTE_TYPES.codes);
  const key = codingKey(system, code);
  if (!codes.has(key)) return false;
  doc.transact(() => codes.delete(key));
  return true;
}

/** Valid codes of the assessment, sorted by system then code so every replica lists them alike. */
export function assessmentCodes(doc: Y.Doc): Coding[] {
  const out: Coding[] = [];
  for (const [key, value] of doc.getMap(NOTE_TYPES.codes).entries()) {
    if (isCoding(value) && key === codingKey(value.system, value.code)) {
      out.push({ system: value.system, code: value.code, ...(value.display !== undefined ? { display: value.display } : {}) });
    }
  }
  return out.sort((a, b) => (a.system === b.system ? (a.code < b.code ? -1 : 1) : a.system < b.system ? -1 : 1));
}

function clean(text: string): string {
  return text.replace(/\r\n?/g, '\n').trim();
}

export interface PlainTextOptions {
  /**
   * Tumor-board cases in agenda order, with their titles (from the room's agenda). Case notes not
   * listed follow, by id. Without it every case is listed by id.
   */
  cases?: { id: string; title: string }[];
}

/**
 * The note as plain text, for the DocumentReference: each non-empty section under its title,
 * then the coded assessment, then the case notes. Line endings are normalised to `\n`, so the
 * same note always gives the same bytes (the DocumentReference carries a hash of them).
 */
export function noteToPlainText(doc: Y.Doc, options: PlainTextOptions = {}): string {
  const blocks: string[] = [];
  for (const name of SECTION_NAMES) {
    const body = clean(readSection(doc, name));
    if (body) blocks.push(`${SECTION_TITLES[name]}\n${body}`);
  }
  const codes = assessmentCodes(doc);
  if (codes.length > 0) {
    blocks.push(`Coded assessment\n${codes.map((c) => `- ${c.code}${c.display ? ` ${c.display}` : ''} (${c.system})`).join('\n')}`);
  }
  const notes = readCaseNotes(doc);
  const listed = options.cases ?? [];
  const order = [...listed.map((c) => c.id), ...[...notes.keys()].filter((id) => !listed.some((c) => c.id === id)).sort()];
  for (const id of order) {
    const body = clean(notes.get(id) ?? '');
    if (!body) continue;
    const title = listed.find((c) => c.id === id)?.title;
    blocks.push(`Case ${title ? `${title} (${id})` : id}\n${body}`);
  }
  return blocks.join('\n\n');
}
