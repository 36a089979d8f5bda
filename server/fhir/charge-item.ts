/**
 * Billing decision -> FHIR R4 ChargeItems, ONE PER BILLING LINE.
 *
 * Why not one ChargeItem with the primary code: R4 ChargeItem has exactly one `code` and one
 * `quantity`, while a telehealth decision often has several lines (e.g. 99215 + 99417 x2 +
 * G2211), each with its own units and modifiers. Folding them into one resource would lose units
 * and modifiers; one ChargeItem per line keeps the shape of the claim lines they become.
 *
 * Status: billable -> `billable`; not-billable -> `not-billable` (e.g. a payer that does not pay
 * 98000-98015); pending -> `planned` ("entered, but ... shall not be billed yet"), used while the
 * decision waits on documentation or consent.
 *
 * Modifiers: R4 ChargeItem has no modifier element (Claim.item.modifier exists, ChargeItem has
 * none), so each modifier is a deployment-defined extension `<base>/StructureDefinition/billing-modifier`
 * with a valueCoding, repeated in claim order. Putting them into `code.coding` would be wrong:
 * extra codings must mean the same concept as the first, and "99214 with 95" is not a CPT code.
 * The place of service has no ChargeItem element either and travels the same way
 * (`.../place-of-service`, CMS POS code system).
 *
 * Rationale: each line carries the rules that fired as `note` annotations (`[rule] because`),
 * so the decision explains itself wherever the charge goes. The billing engine must phrase them
 * without PHI (see BillingInput.rationale). Diagnoses go to `reason`.
 *
 * Identifier: `<visitId>:<code>:<n>`, n counting repeats of a code in the decision, so retrying
 * the same decision finds the same charge items (If-None-Exist) even if lines are reordered.
 */
import type { Annotation, ChargeItem, Coding, Encounter, Extension, Reference } from '@medplum/fhirtypes';
import { CS, identifier, personReference, roundsUrls } from './common.ts';
import type { PatientRef } from './common.ts';
import { FhirMappingError } from './errors.ts';
import { billingInput, parseInput, timedEmitOptions } from './types.ts';
import type { BillingInput, BillingLineInput, TimedEmitOptions } from './types.ts';

/** Extra options: what supports the charges, e.g. the visit note's DocumentReference. */
export interface ChargeEmitOptions extends TimedEmitOptions {
  supportingInformation?: Reference[];
}

const STATUS: Record<BillingInput['status'], NonNullable<ChargeItem['status']>> = {
  billable: 'billable',
  'not-billable': 'not-billable',
  pending: 'planned',
};

/** CPT: 5 digits, or 4 digits + F (Category II), T (Category III), U (PLA). HCPCS Level II: a letter + 4 digits. */
export function billingCodeSystem(line: Pick<BillingLineInput, 'code' | 'system'>, index = 0): string {
  if (line.system !== undefined) return line.system;
  if (/^\d{4}[\dFTU]$/.test(line.code)) return CS.cpt;
  if (/^[A-Z]\d{4}$/.test(line.code)) return CS.hcpcs;
  throw new FhirMappingError('ERR_FHIR_CODE_SYSTEM_UNKNOWN', 'billing code is neither CPT nor HCPCS Level II and has no system', [
    `billing.lines.${index}.code`,
  ]);
}

/** Modifiers starting with a digit (93, 95, 1P) are CPT's; those starting with a letter (FQ, GT) HCPCS Level II's. */
export function modifierSystem(modifier: string): string {
  return /^\d/.test(modifier) ? CS.cpt : CS.hcpcs;
}

export function toChargeItems(
  billing: BillingInput,
  encounterRef: Reference<Encounter>,
  patientRef: PatientRef,
  opts: ChargeEmitOptions,
): ChargeItem[] {
  const b = parseInput(billingInput, billing, 'billing');
  const { systemBase, now } = parseInput(timedEmitOptions, opts, 'opts');
  const urls = roundsUrls(systemBase);
  if (Date.parse(b.servicePeriod.end) < Date.parse(b.servicePeriod.start)) {
    throw new FhirMappingError('ERR_FHIR_PERIOD_INVALID', 'service period ends before it starts', ['billing.servicePeriod']);
  }
  const seen = new Map<string, number>();
  return b.lines.map((line, index) => {
    const n = (seen.get(line.code) ?? 0) + 1;
    seen.set(line.code, n);
    const code: Coding = { system: billingCodeSystem(line, index), code: line.code };
    const extension: Extension[] = line.modifiers.map((m) => ({ url: urls.billingModifier, valueCoding: { system: modifierSystem(m), code: m } }));
    if (b.pos !== null) extension.push({ url: urls.placeOfService, valueCoding: { system: CS.placeOfService, code: b.pos } });
    const notes: Annotation[] = b.rationale
      .filter((r) => r.code === undefined || r.code === line.code)
      .map((r) => ({ time: now, text: `[${r.rule}] ${r.because}` }));
    const item: ChargeItem = {
      resourceType: 'ChargeItem',
      ...(extension.length > 0 ? { extension } : {}), // FHIR forbids empty arrays
      identifier: [identifier(urls.charge, `${b.visitId}:${line.code}:${n}`)],
      status: STATUS[b.status],
      code: { coding: [code] },
      subject: patientRef,
      context: encounterRef,
      occurrencePeriod: { start: b.servicePeriod.start, end: b.servicePeriod.end },
      quantity: { value: line.units },
      enteredDate: now,
    };
    if (b.renderingProvider !== undefined) item.performer = [{ actor: personReference(b.renderingProvider, systemBase, 'Practitioner') }];
    if (b.diagnoses !== undefined && b.diagnoses.length > 0) item.reason = b.diagnoses.map((d) => ({ coding: [d] }));
    if (notes.length > 0) item.note = notes;
    if (opts.supportingInformation !== undefined && opts.supportingInformation.length > 0) {
      item.supportingInformation = opts.supportingInformation;
    }
    return item;
  });
}
