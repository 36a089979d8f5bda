/**
 * Billing and compliance engine: public face. See engine.ts for the order the rules run in and
 * tables/README.md for how a clinic edits the rule tables.
 */
export { decide, type DecideContext } from './engine.ts';
export { billingPreview, BILLING_PREVIEW_ROLES, type PreviewResponse } from './preview.ts';
export { parseFacts, FactsSchema, type Facts, type ParseResult } from './facts.ts';
export { loadTables, defaultTables, DEFAULT_TABLES_DIR } from './loader.ts';
export { parseTables, type Tables, type RawTables, type PayerProfile, type StateRules, type FeeTable, type DeaRules } from './tables.ts';
export { BillingError, type BillingErrorCode, type FieldError } from './errors.ts';
export type { Decision, Flag, FlagCode, Line, Rationale, Severity, MdmLevel } from './types.ts';
