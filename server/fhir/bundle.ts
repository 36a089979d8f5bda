/**
 * Visit close -> one FHIR R4 transaction Bundle: the Encounter, the note's DocumentReference and
 * one ChargeItem per billing line.
 *
 * Every entry is a conditional create: `POST <type>` with `ifNoneExist: identifier=<system>|<value>`
 * on its business identifier, so sending the same bundle twice (a retry after a timeout, a
 * replayed close) creates nothing new. Entries are linked by `urn:uuid:` fullUrls, which the
 * server rewrites to the ids it assigns or finds: DocumentReference.context.encounter and
 * ChargeItem.context point at the Encounter, ChargeItem.supportingInformation at the note.
 * The UUIDs are name-based (v5) on the identifier, so the same visit always yields the same bundle.
 *
 * Identifiers only make the first write idempotent: a later, different decision (99214 became
 * 99215) gets a new identifier and a new ChargeItem; retiring the old one is a separate update.
 */
import type { Bundle, BundleEntry, Encounter, Identifier, Reference, Resource } from '@medplum/fhirtypes';
import { identifierSearch, identifierUrn, patientReference } from './common.ts';
import { toChargeItems } from './charge-item.ts';
import { toDocumentReference } from './document-reference.ts';
import { toEncounter } from './encounter.ts';
import { FhirMappingError } from './errors.ts';
import { closedVisitInput, parseInput, timedEmitOptions } from './types.ts';
import type { BillingInput, ClosedVisitInput, NoteInput, TimedEmitOptions } from './types.ts';

export interface VisitCloseInput {
  visit: ClosedVisitInput;
  /** The signed note; absent when the visit produced none. */
  note?: NoteInput;
  /** The billing decision; absent when nothing is billed (e.g. most tumor boards). */
  billing?: BillingInput;
}

type Identified = Resource & { identifier?: Identifier[] };

function conditionalCreate(resource: Identified): BundleEntry {
  const id = resource.identifier?.[0];
  if (id === undefined) throw new TypeError(`${resource.resourceType} has no identifier to make its create conditional`);
  return {
    fullUrl: identifierUrn(id),
    resource,
    request: { method: 'POST', url: resource.resourceType, ifNoneExist: identifierSearch(id) },
  };
}

export function toVisitCloseBundle(input: VisitCloseInput, opts: TimedEmitOptions): Bundle {
  const visit = parseInput(closedVisitInput, input.visit, 'visit');
  const { systemBase, now } = parseInput(timedEmitOptions, opts, 'opts');
  const mismatches: string[] = [];
  if (input.note !== undefined && input.note.kind !== visit.kind) mismatches.push('note.kind');
  if (input.billing !== undefined && input.billing.visitId !== visit.visitId) mismatches.push('billing.visitId');
  if (mismatches.length > 0) {
    throw new FhirMappingError('ERR_FHIR_INCONSISTENT_VISIT', 'note or billing does not belong to this visit', mismatches);
  }

  const patient = patientReference(visit.patient, systemBase);
  const encounterEntry = conditionalCreate(toEncounter(visit, { systemBase }));
  const encounterRef: Reference<Encounter> = { reference: encounterEntry.fullUrl };
  const entries: BundleEntry[] = [encounterEntry];
  const supporting: Reference[] = [];
  if (input.note !== undefined) {
    const noteEntry = conditionalCreate(toDocumentReference(input.note, encounterRef, patient, { systemBase }));
    supporting.push({ reference: noteEntry.fullUrl });
    entries.push(noteEntry);
  }
  if (input.billing !== undefined) {
    const charges = toChargeItems(input.billing, encounterRef, patient, { systemBase, now, supportingInformation: supporting });
    entries.push(...charges.map(conditionalCreate));
  }
  return { resourceType: 'Bundle', type: 'transaction', timestamp: now, entry: entries };
}
