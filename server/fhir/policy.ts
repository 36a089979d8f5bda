/**
 * What Rounds requires of the resources it writes back, beyond base R4 (which leaves
 * Encounter.subject optional and cannot know that an Attachment's hash must match its data):
 * - Encounter, DocumentReference, ChargeItem: a subject and a business identifier (idempotency).
 * - DocumentReference: context.encounter; inline attachments whose `size` and SHA-1 `hash`
 *   match `data`.
 * - ChargeItem: the charge code is CPT or HCPCS Level II.
 * - transaction Bundle: every entry is a conditional create (POST with ifNoneExist) under a
 *   `urn:uuid:` fullUrl, and every `urn:uuid:` reference points at an entry of the bundle.
 * Pure: the caller passes the resource; no definitions are needed.
 */
import { createHash } from 'node:crypto';
import type { Attachment, Bundle, Resource } from '@medplum/fhirtypes';
import { CS } from './common.ts';
import type { FhirIssue } from './validate.ts';

const UUID_URN = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BILLING_SYSTEMS: ReadonlySet<string> = new Set([CS.cpt, CS.hcpcs]);

function missing(path: string, what: string): FhirIssue {
  return { severity: 'error', code: 'ERR_FHIR_MISSING_ELEMENT', path, message: `Rounds requires ${what}` };
}

function checkAttachment(a: Attachment, at: string, out: FhirIssue[]): void {
  if (a.data === undefined) return;
  const bytes = Buffer.from(a.data, 'base64');
  if (a.size !== undefined && a.size !== bytes.byteLength) {
    out.push({ severity: 'error', code: 'ERR_FHIR_ATTACHMENT_MISMATCH', path: `${at}.size`, message: `size ${a.size} but data has ${bytes.byteLength} bytes` });
  }
  if (a.hash !== undefined && a.hash !== createHash('sha1').update(bytes).digest('base64')) {
    out.push({ severity: 'error', code: 'ERR_FHIR_ATTACHMENT_MISMATCH', path: `${at}.hash`, message: 'hash is not the base64 SHA-1 of data' });
  }
}

function collectUrnRefs(value: unknown, at: string, out: Array<{ ref: string; at: string }>): void {
  if (Array.isArray(value)) value.forEach((v, i) => collectUrnRefs(v, `${at}[${i}]`, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string' && v.startsWith('urn:')) out.push({ ref: v, at: `${at}.reference` });
      else collectUrnRefs(v, `${at}.${k}`, out);
    }
  }
}

function checkTransaction(b: Bundle, out: FhirIssue[]): void {
  const fullUrls = new Set<string>();
  (b.entry ?? []).forEach((e, i) => {
    const at = `Bundle.entry[${i}]`;
    if (e.fullUrl === undefined || !UUID_URN.test(e.fullUrl)) out.push(missing(`${at}.fullUrl`, 'a urn:uuid: fullUrl on transaction entries'));
    else fullUrls.add(e.fullUrl);
    if (e.request?.method !== 'POST' || e.request.ifNoneExist === undefined || !e.request.ifNoneExist.startsWith('identifier=')) {
      out.push({ severity: 'error', code: 'ERR_FHIR_NOT_CONDITIONAL', path: `${at}.request`, message: 'entry is not a conditional create by identifier' });
    }
  });
  const refs: Array<{ ref: string; at: string }> = [];
  (b.entry ?? []).forEach((e, i) => collectUrnRefs(e.resource, `Bundle.entry[${i}].resource`, refs));
  for (const r of refs) {
    if (!fullUrls.has(r.ref)) out.push({ severity: 'error', code: 'ERR_FHIR_UNRESOLVED_REFERENCE', path: r.at, message: `${r.ref} is not the fullUrl of any entry` });
  }
}

export function checkRoundsRules(resource: Resource, at: string = resource.resourceType): FhirIssue[] {
  const out: FhirIssue[] = [];
  switch (resource.resourceType) {
    case 'Encounter':
    case 'DocumentReference':
    case 'ChargeItem':
      if (resource.subject === undefined) out.push(missing(`${at}.subject`, 'a subject'));
      if ((resource.identifier ?? []).every((id) => id.system === undefined || id.value === undefined)) {
        out.push(missing(`${at}.identifier`, 'a business identifier with system and value'));
      }
      break;
    default:
      break;
  }
  if (resource.resourceType === 'DocumentReference') {
    if ((resource.context?.encounter ?? []).length === 0) out.push(missing(`${at}.context.encounter`, 'the encounter the note documents'));
    (resource.content ?? []).forEach((c, i) => checkAttachment(c.attachment, `${at}.content[${i}].attachment`, out));
  }
  if (resource.resourceType === 'ChargeItem') {
    const systems = (resource.code?.coding ?? []).map((c) => c.system ?? '');
    if (!systems.some((s) => BILLING_SYSTEMS.has(s))) {
      out.push({ severity: 'error', code: 'ERR_FHIR_CODE_SYSTEM_NOT_ALLOWED', path: `${at}.code`, message: 'charge code must be CPT or HCPCS Level II' });
    }
  }
  if (resource.resourceType === 'Bundle') {
    if (resource.type === 'transaction') checkTransaction(resource, out);
    (resource.entry ?? []).forEach((e, i) => {
      if (e.resource !== undefined) out.push(...checkRoundsRules(e.resource, `${at}.entry[${i}].resource`));
    });
  }
  return out;
}
