/**
 * The visit console joins the visit's roster when it opens. Some refusals are expected and
 * change nothing the clinician needs to know: a reload (already present), a visit opened after it
 * ended (to read it), a role that does not take part in the call. Any other failure leaves them
 * off the roster, where others do not see them and auto-close counts the visit as empty once the
 * rest leave, so the page says so instead of swallowing it.
 */
import { ApiError, describe } from './api.ts';

const EXPECTED = new Set(['ERR_ALREADY_PRESENT', 'ERR_VISIT_ENDED', 'ERR_FORBIDDEN_COMMAND']);

/** What to tell the clinician about a failed join, or null when there is nothing to tell. */
export function joinProblem(e: unknown): string | null {
  if (e instanceof ApiError && EXPECTED.has(e.code)) return null;
  return `You could not be added to the visit's participants, so others do not see you in it: ${describe(e)}. Reload the page to try again.`;
}
