/**
 * What the emitters share: the code systems they use, the URLs derived from the deployment's
 * `systemBase`, references to people, and name-based UUIDs for transaction fullUrls.
 */
import { createHash } from 'node:crypto';
import type { Identifier, Patient, Practitioner, PractitionerRole, Reference, RelatedPerson } from '@medplum/fhirtypes';
import type { PatientInput, PractitionerInput, ParticipantInput } from './types.ts';

/** External code systems, spelled as FHIR R4 / terminology.hl7.org / US Core / CMS publish them. */
export const CS = {
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  participantType: 'http://terminology.hl7.org/CodeSystem/participant-type',
  participationMode: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode',
  locationPhysicalType: 'http://terminology.hl7.org/CodeSystem/location-physical-type',
  loinc: 'http://loinc.org',
  usCoreDocCategory: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
  cpt: 'http://www.ama-assn.org/go/cpt',
  hcpcs: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  placeOfService: 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set',
  ucum: 'http://unitsofmeasure.org',
} as const;

/** Identifier systems, code systems and extension URLs owned by the deployment. */
export function roundsUrls(systemBase: string) {
  return {
    visit: `${systemBase}/visit`,
    note: `${systemBase}/note`,
    charge: `${systemBase}/charge`,
    participant: `${systemBase}/participant`,
    patient: `${systemBase}/patient`,
    visitKind: `${systemBase}/CodeSystem/visit-kind`,
    /** valueCode (BCP-47) on Encounter.participant: the language an interpreter interprets into. */
    interpreterLanguage: `${systemBase}/StructureDefinition/interpreter-language`,
    /** valueCoding on ChargeItem, repeated in claim order: a CPT or HCPCS modifier. */
    billingModifier: `${systemBase}/StructureDefinition/billing-modifier`,
    /** valueCoding on ChargeItem: the CMS place-of-service code for the claim line. */
    placeOfService: `${systemBase}/StructureDefinition/place-of-service`,
  };
}

export function identifier(system: string, value: string): Identifier {
  return { use: 'official', system, value };
}

/**
 * The search that finds a resource by its business identifier, for `Bundle.entry.request.ifNoneExist`.
 * Both parts are percent-encoded so a system URL with `?`, `&` or `#` cannot break the query;
 * ids are already restricted to characters with no meaning in FHIR token search.
 */
export function identifierSearch(id: Identifier): string {
  return `identifier=${encodeURIComponent(id.system ?? '')}|${encodeURIComponent(id.value ?? '')}`;
}

function withDisplay<T extends Reference>(ref: T, display: string | undefined): T {
  return display === undefined ? ref : { ...ref, display };
}

/**
 * A literal reference when the EHR id is known; otherwise a logical reference by Rounds
 * identifier, typed so a receiver can resolve it (R4 allows identifier-only references).
 */
export type PatientRef = Reference<Patient>;
/** What R4 lets Encounter.participant.individual, DocumentReference.author and ChargeItem.performer point at in common. */
export type PersonRef = Reference<Practitioner | PractitionerRole | RelatedPerson>;

export function patientReference(p: PatientInput, systemBase: string): PatientRef {
  if (p.reference !== undefined) return withDisplay({ reference: p.reference }, p.display);
  return withDisplay({ type: 'Patient', identifier: identifier(roundsUrls(systemBase).patient, p.id) }, p.display);
}

export function personReference(
  p: PractitionerInput | ParticipantInput,
  systemBase: string,
  fallbackType: 'Practitioner' | 'RelatedPerson',
): PersonRef {
  if (p.reference !== undefined) return withDisplay({ reference: p.reference }, p.display);
  return withDisplay({ type: fallbackType, identifier: identifier(roundsUrls(systemBase).participant, p.id) }, p.display);
}

export function epochMs(instant: string): number {
  return Date.parse(instant);
}

/** RFC 4122 namespace for URL names (a business identifier `system|value` is URL-like). */
const URL_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/**
 * A version-5 (SHA-1, name-based) UUID. Used for transaction `urn:uuid:` fullUrls so the same
 * visit always yields the same bundle: deterministic, testable, and with no randomness in the core.
 */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update(URL_NAMESPACE).update(name, 'utf8').digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50; // version 5
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function identifierUrn(id: Identifier): string {
  return `urn:uuid:${nameUuid(`${id.system ?? ''}|${id.value ?? ''}`)}`;
}
