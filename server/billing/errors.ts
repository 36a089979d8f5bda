/**
 * Error vocabulary of the billing engine. Callers switch on `code`; `message` is for people.
 * The codes are billing-specific so they can live here without touching `server/errors.ts`;
 * the HTTP layer maps them: ERR_FORBIDDEN_ROLE → 403, ERR_INVALID_FACTS → 400,
 * ERR_BILLING_TABLES_INVALID → 500 (a clinic edited a table into an invalid state).
 */
export type BillingErrorCode = 'ERR_FORBIDDEN_ROLE' | 'ERR_INVALID_FACTS' | 'ERR_BILLING_TABLES_INVALID';

/** One problem in a piece of input, addressed by a dotted path (`patientLocation.state`). */
export interface FieldError {
  path: string;
  code: string;
  message: string;
}

export class BillingError extends Error {
  readonly code: BillingErrorCode;
  readonly fields: FieldError[];
  constructor(code: BillingErrorCode, message: string, fields: FieldError[] = []) {
    super(message);
    this.name = 'BillingError';
    this.code = code;
    this.fields = fields;
  }
}
