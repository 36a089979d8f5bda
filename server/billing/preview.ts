/**
 * `POST /api/billing/preview`, as a pure function the HTTP layer calls after authentication:
 * role check, input validation, then `decide`. Returns the status and JSON body to send.
 *
 * Allowed roles: `clinician` (codes their own visits) and `billing` (works the charges). Not
 * `admin`: least privilege, since administering the platform does not need charge data, and an
 * administrator who also bills can be given the billing role. The request body carries the facts
 * itself, so no note is read and billing staff still never see a note.
 */
import { decide } from './engine.ts';
import type { FieldError } from './errors.ts';
import { parseFacts } from './facts.ts';
import type { Tables } from './tables.ts';

export const BILLING_PREVIEW_ROLES: readonly string[] = ['clinician', 'billing'];

export interface PreviewResponse {
  status: number;
  body: unknown;
}

export function billingPreview(body: unknown, role: string, now: Date, tables: Tables): PreviewResponse {
  if (!BILLING_PREVIEW_ROLES.includes(role)) {
    return {
      status: 403,
      body: { error: { code: 'ERR_FORBIDDEN_ROLE', message: `this role may not preview billing; allowed roles: ${BILLING_PREVIEW_ROLES.join(', ')}` } },
    };
  }
  const parsed = parseFacts(body);
  let fields: FieldError[] = parsed.ok ? [] : parsed.errors;
  if (parsed.ok && !tables.profiles[parsed.facts.payer]) {
    const known = Object.keys(tables.profiles).sort().join(', ');
    fields = [{ path: 'payer', code: 'unknown_payer_profile', message: `unknown payer profile; known: ${known}` }];
  }
  if (!parsed.ok || fields.length > 0) {
    return {
      status: 400,
      body: { error: { code: 'ERR_INVALID_FACTS', message: 'the visit facts are not valid', fields } },
    };
  }
  return { status: 200, body: decide(parsed.facts, { ...tables, now }) };
}
